/**
 * `timbre models …`: list, download, import, verify and remove model packs. Progress goes to stderr, results to
 * stdout. Failures throw CliError (exit 1; exit 2 for usage errors such as an unknown pack id).
 */
import type { Command } from 'commander';
import {
  PackError,
  PackManager,
  fmtBytes,
  type PackListing,
  type PackProgress,
} from '../../../native-models/packs/index.js';
import { CliError } from '../cli-error.js';
import { packPolicy } from '../../node/policy/policy.js';

export interface ModelsCliDeps {
  createManager?: (dataDir: string) => PackManager;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  /** Whether stderr is a terminal (progress redraws one line); default process.stderr.isTTY. */
  isTTY?: boolean;
}

export function registerModelsCommands(program: Command, getDataDir: () => string, deps: ModelsCliDeps = {}): void {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  const tty = deps.isTTY ?? Boolean(process.stderr.isTTY);
  const manager = () =>
    (deps.createManager ?? ((d: string) => new PackManager({ dataDir: d, policy: packPolicy() })))(getDataDir());

  const models = program.command('models').description('list, download, import, verify and remove model packs');

  models
    .command('list')
    .description('show every known model pack and whether it is installed')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await run(() => manager().list());
      if (opts.json) {
        out(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      for (const p of list) out(`${formatListing(p)}\n`);
    });

  models
    .command('download')
    .description('download a model pack (the only command that uses the network), verify it and install it')
    .argument('<id>', 'pack id (see "timbre models list")')
    .option('--accept-terms', 'accept the pack licence terms (required for packs that ask for it)')
    .action(async (id: string, opts: { acceptTerms?: boolean }) => {
      await withCancel(async (signal) => {
        const progress = progressPrinter(err, tty);
        const res = await run(() =>
          manager().download(id, {
            signal,
            acceptTerms: opts.acceptTerms,
            onProgress: progress.update,
            onRetry: (file, attempt, delay, e) =>
              err(`\n${file}: ${e.message}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s\n`),
          }),
        );
        progress.done();
        out(`Installed ${res.id} ${res.version} in ${res.dir}\n`);
      });
    });

  models
    .command('import')
    .description(
      'install a model pack from a folder, a .zip or its published .tar.bz2 (for machines without internet), fully verified',
    )
    .argument('<path>', 'folder, .zip or .tar.bz2 holding the pack files')
    .option('--id <id>', 'pack id (detected from the files when omitted)')
    .option('--accept-terms', 'accept the pack licence terms (required for packs that ask for it)')
    .action(async (source: string, opts: { id?: string; acceptTerms?: boolean }) => {
      await withCancel(async (signal) => {
        const progress = progressPrinter(err, tty);
        const res = await run(() =>
          manager().import(source, {
            packId: opts.id,
            signal,
            acceptTerms: opts.acceptTerms,
            onProgress: progress.update,
          }),
        );
        progress.done();
        out(`Installed ${res.id} ${res.version} in ${res.dir}\n`);
      });
    });

  models
    .command('verify')
    .description('re-check the size and sha256 of every file of an installed pack')
    .argument('<id>', 'pack id')
    .action(async (id: string) => {
      const progress = progressPrinter(err, tty);
      const report = await run(() => manager().verify(id, { onProgress: progress.update }));
      progress.done();
      for (const f of report.files) out(`${f.ok ? 'ok  ' : 'BAD '} ${f.path}${f.problem ? `: ${f.problem}` : ''}\n`);
      if (!report.ok)
        throw new CliError(`Pack "${id}" failed verification: download or import it again to repair it.`, 1);
      out(`${id}: all ${report.files.length} files verified\n`);
    });

  models
    .command('remove')
    .description('delete an installed model pack (and any partial download)')
    .argument('<id>', 'pack id')
    .action(async (id: string) => {
      const removed = await run(() => manager().remove(id));
      out(removed ? `Removed ${id}\n` : `${id} was not installed\n`);
    });
}

/** Map pack errors to CLI exit codes: unknown ids and unaccepted terms are usage errors (2), the rest failures (1). */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PackError)
      throw new CliError(e.message, e.code === 'UNKNOWN_PACK' || e.code === 'TERMS_NOT_ACCEPTED' ? 2 : 1);
    throw e;
  }
}

async function withCancel(fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    await fn(ac.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function formatListing(p: PackListing): string {
  const state =
    p.status === 'installed'
      ? `installed${p.outdated ? ` (version ${p.installedVersion}; ${p.version} available)` : ''}`
      : p.status === 'partial'
        ? `partial (${fmtBytes(p.bytesPresent)} of ${fmtBytes(p.bytesTotal)})`
        : 'not installed';
  const terms = p.requiresTermsAcceptance ? ', terms must be accepted' : '';
  return `${p.id.padEnd(26)} ${p.version.padEnd(16)} ${fmtBytes(p.bytesTotal).padStart(9)}  ${state}  [${p.licence.id}${terms}] ${p.name}${p.problem ? `\n    ${p.problem}` : ''}`;
}

export function formatProgress(p: PackProgress): string {
  const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '100';
  const speed = p.speedBps > 0 ? `, ${fmtBytes(Math.round(p.speedBps))}/s` : '';
  const eta = p.etaSeconds !== null && p.speedBps > 0 ? `, ${Math.ceil(p.etaSeconds)} s left` : '';
  return `${p.phase} ${p.packId}: ${pct}% (${fmtBytes(p.bytesDone)} of ${fmtBytes(p.bytesTotal)}${speed}${eta})${p.file ? ` ${p.file}` : ''}`;
}

function progressPrinter(err: (s: string) => void, tty: boolean) {
  let lastLine = 0;
  let printed = false;
  return {
    update: (p: PackProgress) => {
      if (tty) {
        err(`\r\x1b[K${formatProgress(p)}`);
        printed = true;
      } else if (Date.now() - lastLine > 1000 || p.phase === 'install') {
        lastLine = Date.now();
        err(`${formatProgress(p)}\n`);
      }
    },
    done: () => {
      if (tty && printed) err('\n');
    },
  };
}
