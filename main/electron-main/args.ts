/** Command-line handling for the shell. */

/** The value of `--data-dir <dir>` or `--data-dir=<dir>`, if given. */
export function dataDirFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--data-dir') return argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : undefined;
    if (a.startsWith('--data-dir=')) return a.slice('--data-dir='.length) || undefined;
  }
  return undefined;
}
