import type { Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore, type Core } from '../../node/core.js';
import type { LibraryVoice, VoiceInfo } from '../../../preload/contract.js';
import { CliError } from '../cli-error.js';

/** Run one API call against a core on the data folder; API errors become CLI errors (usage errors exit 2). */
async function withCore<T>(
  getDataDir: () => string,
  fn: (call: <R>(m: string, p: unknown) => Promise<R>) => Promise<T>,
): Promise<T> {
  const core: Core = await createCore({
    dataDir: getDataDir(),
    transport: 'web',
    version: appVersion(),
    log: () => undefined,
  });
  const call = async <R>(method: string, params: unknown): Promise<R> => {
    const r = await core.dispatch(method, params);
    if (r.ok) return r.result as R;
    if (r.error.code === 'VAULT_LOCKED')
      throw new CliError(`${r.error.message} (from the command line: set TIMBRE_PASSPHRASE)`);
    throw new CliError(r.error.message, r.error.code === 'INVALID_INPUT' || r.error.code === 'NOT_FOUND' ? 2 : 1);
  };
  try {
    // Without a system keychain, TIMBRE_PASSPHRASE unlocks the encrypted voice data (never stored in plaintext).
    if (process.env.TIMBRE_PASSPHRASE) await call('vault.unlock', { passphrase: process.env.TIMBRE_PASSPHRASE });
    return await fn(call);
  } finally {
    await core.close();
  }
}

export function registerVoicesCommands(program: Command, getDataDir: () => string): void {
  const voices = program
    .command('voices')
    .description('the voice library (cloned voices) and the engines\u2019 voices');

  voices
    .command('list')
    .description('list voices: your library first, then every installed engine voice')
    .option('--json', 'machine-readable output')
    .option('--library', 'only the voice library')
    .action((opts: { json?: boolean; library?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const lib = await call<LibraryVoice[]>('library.list', {});
        const all = opts.library
          ? []
          : (await call<VoiceInfo[]>('voices.list', {})).filter((v) => v.engineId !== 'library');
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ library: lib, engines: all }, null, 2)}\n`);
        for (const v of lib)
          process.stdout.write(
            `${v.voiceId.padEnd(40)} ${v.name}  [${v.language}; ${v.samples.reduce((s, x) => s + x.seconds, 0).toFixed(1)} s; consent ${v.consent?.status ?? 'missing'}; ${v.engines.join(', ') || 'no cloning pack'}]\n`,
          );
        for (const v of all) process.stdout.write(`${v.id.padEnd(40)} ${v.name}  [${v.language}]\n`);
      }),
    );

  voices
    .command('add')
    .description('add a voice from a recording (any common audio or video format)')
    .argument('<name>', 'the voice\u2019s name')
    .requiredOption('--audio <file>', 'the reference recording')
    .requiredOption('--attest <name>', 'your name: you attest you hold the rights to this voice')
    .option('--purpose <text>', 'what the voice will be used for', 'Personal projects')
    .option('--language <tag>', 'language of the voice', 'en')
    .option('--json', 'machine-readable output')
    .action(
      (name: string, opts: { audio: string; attest: string; purpose: string; language: string; json?: boolean }) =>
        withCore(getDataDir, async (call) => {
          const v = await call<LibraryVoice>('library.import', {
            name,
            path: opts.audio,
            language: opts.language,
            attest: { name: opts.attest, purpose: opts.purpose },
          });
          if (opts.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
          else
            process.stdout.write(
              `Added ${v.voiceId} "${v.name}" (${v.samples[0].seconds.toFixed(1)} s; consent attested, not verified)\n` +
                (v.engines.length
                  ? ''
                  : 'No cloning model pack is installed: run `timbre models download pocket-tts`, then add the voice again.\n'),
            );
        }),
    );

  voices
    .command('remove')
    .description('erase a voice: its recordings, cloning data and consent record')
    .argument('<id>', 'voice id (library:<id> or <id>)')
    .option('--delete-takes', 'also delete the takes made with it')
    .action((id: string, opts: { deleteTakes?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const r = await call<{ takesDeleted: number }>('library.delete', {
          id: id.replace(/^library:/, ''),
          deleteTakes: Boolean(opts.deleteTakes),
        });
        process.stdout.write(`Erased ${id}${opts.deleteTakes ? ` and ${r.takesDeleted} take(s)` : ''}\n`);
      }),
    );
}
