/**
 * `timbre privacy report | ledger | export -o FILE | import FILE | erase --yes | retention | sweep`: the privacy
 * center from the command line (docs/privacy.md), the same calls as the Privacy page.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore } from '../../node/core.js';
import { ERASE_CONFIRMATION, LedgerKind, type MethodName, type MethodResult } from '../../../preload/contract/index.js';
import { CliError } from '../cli-error.js';
import { voicePassphrase } from './voices.js';

type Call = <M extends MethodName>(m: M, p: unknown) => Promise<MethodResult<M>>;

async function withCore<T>(getDataDir: () => string, fn: (call: Call) => Promise<T>): Promise<T> {
  const core = await createCore({
    dataDir: getDataDir(),
    transport: 'web',
    version: appVersion(),
    log: () => undefined,
  });
  const call: Call = async (m, p) => {
    const r = await core.dispatch(m, p);
    if (!r.ok) {
      if (r.error.code === 'VAULT_LOCKED')
        throw new CliError(`${r.error.message} (from the command line: set TIMBRE_PASSPHRASE)`);
      throw new CliError(r.error.message, r.error.code === 'INVALID_INPUT' || r.error.code === 'NOT_FOUND' ? 2 : 1);
    }
    return r.result as MethodResult<typeof m>;
  };
  try {
    if (process.env.TIMBRE_PASSPHRASE) await call('vault.unlock', { passphrase: process.env.TIMBRE_PASSPHRASE });
    return await fn(call);
  } finally {
    await core.close();
  }
}

const out = (s: string): void => void process.stdout.write(s);
const json = (v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** "off" clears a limit; a number sets it. */
function days(v: string): number | null {
  if (v === 'off') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new CliError(`Not a number of days (1-3650, or off): ${v}`, 2);
  return n;
}

export function registerPrivacyCommands(program: Command, getDataDir: () => string): void {
  const cmd = program
    .command('privacy')
    .description('the privacy center: what Timbre holds, the privacy ledger, retention, export, import, erase');

  cmd
    .command('report')
    .description('what Timbre holds (size and count per kind, with locations), retention in force, keychain entries')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const r = await call('privacy.report', {});
        if (o.json) return json(r);
        out(`Data folder: ${r.dataDir}\n\n`);
        for (const h of r.holdings)
          out(
            `${h.kind.padEnd(15)} ${String(h.count).padStart(7)}  ${formatBytes(h.bytes).padStart(10)}  ${h.location}\n`,
          );
        if (r.truncated) out('(the data folder is very large: sizes are lower bounds)\n');
        const ret = r.retention;
        const org = (f: boolean) => (f ? ' (set by your organization)' : '');
        out(`\nRetention:\n`);
        out(
          `  staged uploads and imported media: ${ret.stagedUploadsHours.value} h at most${org(ret.stagedUploadsHours.fixedByPolicy)}\n`,
        );
        out(
          `  exports in the data folder: ${ret.exportsDays.value === null ? 'kept' : `${ret.exportsDays.value} days`}${org(ret.exportsDays.fixedByPolicy)}\n`,
        );
        out(
          `  takes that are not active: ${ret.inactiveTakesDays.value === null ? 'kept' : `${ret.inactiveTakesDays.value} days`}${org(ret.inactiveTakesDays.fixedByPolicy)}\n`,
        );
        out(
          `\nKeychain entries: ${r.keychain.length ? r.keychain.map((k) => `${k.service} / ${k.account}`).join(', ') : 'none'}\n`,
        );
        out(`Privacy ledger: ${r.ledgerEntries} event(s) (timbre privacy ledger)\n`);
      }),
    );

  cmd
    .command('ledger')
    .description('the privacy ledger: every processing event, newest first, without content')
    .option('--json', 'machine-readable output')
    .option('--kind <kind>', `only this kind (${LedgerKind.options.join(', ')})`)
    .option('--limit <n>', 'events to show (1-1000)', '200')
    .option('-o, --output <file>', 'write the whole ledger as JSON to this file')
    .action(async (o: { json?: boolean; kind?: string; limit: string; output?: string }) =>
      withCore(getDataDir, async (call) => {
        if (o.output) {
          const r = await call('privacy.exportLedger', { path: path.resolve(o.output) });
          process.stderr.write(`Wrote ${r.entries} event(s) to ${r.path}\n`);
          return;
        }
        if (o.kind && !LedgerKind.safeParse(o.kind).success)
          throw new CliError(`Unknown event kind ${o.kind}: use one of ${LedgerKind.options.join(', ')}`, 2);
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit is 1 to 1000', 2);
        const page = await call('privacy.ledger', { limit, ...(o.kind ? { kind: o.kind } : {}) });
        if (o.json) return json(page);
        if (!page.entries.length) return out('The privacy ledger is empty.\n');
        for (const e of page.entries)
          out(
            `${e.at}  ${e.kind.padEnd(18)} ${Object.entries(e.detail)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(' ')}\n`,
          );
        if (page.total > page.entries.length)
          out(`(${page.entries.length} of ${page.total}; --limit or -o FILE for more)\n`);
      }),
    );

  cmd
    .command('export')
    .description(
      'one archive of everything: projects with lines and takes, voices (sealed with a passphrase), consent records, settings',
    )
    .requiredOption('-o, --output <file>', 'the archive to write (.zip)')
    .action(async (o: { output: string }) =>
      withCore(getDataDir, async (call) => {
        const passphrase = await voicePassphrase(true);
        const r = await call('privacy.export', { path: path.resolve(o.output), passphrase });
        const c = r.counts;
        process.stderr.write(
          `Wrote ${r.path} (${formatBytes(r.bytes)}): ${c.projects} project(s), ${c.lines} line(s), ${c.takes} take(s), ${c.voices} voice(s), ${c.consentRecords} consent record(s)\n`,
        );
      }),
    );

  cmd
    .command('import')
    .description('restore an archive from timbre privacy export into an empty data folder')
    .argument('<file>', 'the archive')
    .action(async (file: string) =>
      withCore(getDataDir, async (call) => {
        const passphrase = await voicePassphrase(false);
        const r = await call('privacy.import', { path: path.resolve(file), passphrase });
        const c = r.counts;
        process.stderr.write(
          `Imported ${c.projects} project(s), ${c.lines} line(s), ${c.takes} take(s), ${c.voices} voice(s), ${c.consentRecords} consent record(s)\n`,
        );
      }),
    );

  cmd
    .command('erase')
    .description('erase everything: every file, every database row (not recoverable from free pages), keychain entries')
    .option('--yes', 'really erase (required)')
    .option('--json', 'machine-readable report')
    .action(async (o: { yes?: boolean; json?: boolean }) => {
      if (!o.yes)
        throw new CliError('This erases every project, take, voice and setting for good: add --yes to go ahead.', 2);
      await withCore(getDataDir, async (call) => {
        const r = await call('privacy.erase', { confirm: ERASE_CONFIRMATION });
        if (o.json) return json(r);
        const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
        out(`Erased ${r.filesRemoved} file(s) (${formatBytes(r.bytesRemoved)}) and ${rows} database row(s).\n`);
        for (const k of r.keychain)
          out(
            `Keychain entry ${k.service} / ${k.account}: ${k.removed ? 'removed' : 'NOT removed (keychain unavailable)'}\n`,
          );
        out(`Left: ${r.left.join(', ')} (the emptied database, holding only the record of this erase)\n`);
      });
    });

  cmd
    .command('retention')
    .description('show or set how long exports and inactive takes are kept (limits set by a policy cannot be changed)')
    .option('--exports-days <n|off>', 'delete exports in the data folder after N days')
    .option('--inactive-takes-days <n|off>', 'delete takes that are not a line’s active take after N days')
    .option('--staged-hours <n>', 'delete staged uploads and imported media after N hours (1-24)')
    .option('--json', 'machine-readable output')
    .action(async (o: { exportsDays?: string; inactiveTakesDays?: string; stagedHours?: string; json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const patch: Record<string, number | null> = {};
        if (o.exportsDays !== undefined) patch.exportsDays = days(o.exportsDays);
        if (o.inactiveTakesDays !== undefined) patch.inactiveTakesDays = days(o.inactiveTakesDays);
        if (o.stagedHours !== undefined) patch.stagedUploadsHours = Number(o.stagedHours);
        const r = Object.keys(patch).length
          ? await call('privacy.setRetention', patch)
          : (await call('privacy.report', {})).retention;
        json(r);
      }),
    );

  cmd
    .command('sweep')
    .description('run the retention sweep now (it also runs at start-up and hourly)')
    .action(async () => withCore(getDataDir, async (call) => json(await call('privacy.sweep', {}))));
}
