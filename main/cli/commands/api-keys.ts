/**
 * `timbre api-keys list | create NAME [--scope speech|full] | revoke ID | log [--limit N]`: API keys for scripts
 * that outlive a launch (the same as Settings → Local API). A created key is printed once and never again.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore } from '../../node/core.js';
import type { MethodName, MethodResult } from '../../../preload/contract/index.js';
import { CliError } from '../cli-error.js';
import { knob } from '../knobs.js';

async function withCore<T>(
  getDataDir: () => string,
  fn: (call: <M extends MethodName>(m: M, p: unknown) => Promise<MethodResult<M>>) => Promise<T>,
) {
  const core = await createCore({
    dataDir: getDataDir(),
    transport: 'web',
    version: appVersion(),
    log: () => undefined,
  });
  try {
    return await fn(async (m, p) => {
      const r = await core.dispatch(m, p);
      if (!r.ok)
        throw new CliError(r.error.message, r.error.code === 'INVALID_INPUT' || r.error.code === 'NOT_FOUND' ? 2 : 1);
      return r.result as MethodResult<typeof m>;
    });
  } finally {
    await core.close();
  }
}

export function registerApiKeysCommands(program: Command, getDataDir: () => string): void {
  const cmd = program.command('api-keys').description('API keys for the local API (/v1): list, create, revoke, log');
  cmd
    .command('list')
    .description('list the keys (never the keys themselves)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const keys = await call('apiKeys.list', {});
        if (o.json) return void process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        if (!keys.length) return void process.stdout.write('No API keys. Create one: timbre api-keys create NAME\n');
        for (const k of keys)
          process.stdout.write(
            `${k.id}\t${k.prefix}\t${k.scope}\t${k.name}\t${k.revokedAt ? `revoked ${k.revokedAt}` : `last used ${k.lastUsedAt ?? 'never'}`}\n`,
          );
      }),
    );
  cmd
    .command('create')
    .description('create a key and print it (shown this once only)')
    .argument('<name>', 'what the key is for, e.g. "podcast pipeline"')
    .addOption(
      new Option('--scope <scope>', 'speech: the speech routes only; full: all of /v1')
        .choices(['speech', 'full'])
        .default('speech'),
    )
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { scope: string; json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const r = await call('apiKeys.create', { name, scope: o.scope });
        if (o.json) return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        process.stdout.write(`${r.key}\n`);
        process.stderr.write(
          `Key "${r.apiKey.name}" (${r.apiKey.scope}, id ${r.apiKey.id}): keep it now, it is not shown again.\n`,
        );
      }),
    );
  cmd
    .command('revoke')
    .description('revoke a key: calls with it are refused from now on')
    .argument('<id>', 'the key id (timbre api-keys list)')
    .action(async (id: string) =>
      withCore(getDataDir, async (call) => {
        const k = await call('apiKeys.revoke', { id });
        process.stderr.write(`Revoked "${k.name}".\n`);
      }),
    );
  cmd
    .command('log')
    .description('the newest calls made with API keys')
    .addOption(
      new Option('--limit <n>', 'how many')
        .default(50)
        .argParser(knob('--limit', { min: 1, max: 1000, integer: true })),
    )
    .option('--json', 'machine-readable output')
    .action(async (o: { limit: number; json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const rows = await call('apiLog.list', { limit: o.limit });
        if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        for (const r of rows)
          process.stdout.write(`${r.at}\t${r.keyName}\t${r.method} ${r.path}\t${r.status}\t${r.ms} ms\t${r.remote}\n`);
      }),
    );
}
