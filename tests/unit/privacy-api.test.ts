/**
 * The privacy center over the public API of a real `timbre serve` (issue #13): a call made with an API key is
 * recorded in the privacy ledger (key id, method, path, status), and no key, whatever its scope, can erase or replace
 * the data (privacy.erase, privacy.import answer 403 and change nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { LedgerPage, PrivacyReport } from '../../preload/contract/index.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

let server: ServerProcess;
const t = tempDir();

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  server = await startServer(path.join(t.dir, 'data'));
});
afterAll(() => {
  server?.proc.kill('SIGTERM');
  t.cleanup();
});

async function rpc<T>(method: string, params: unknown = {}): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

describe('privacy over /v1', () => {
  it('records key calls in the ledger and refuses erase and import to every key', async () => {
    await rpc('projects.create', { name: 'Kept' });
    const { key, apiKey } = await rpc<{ key: string; apiKey: { id: string } }>('apiKeys.create', {
      name: 'pipeline',
      scope: 'full',
    });
    const v1 = (m: string, body: unknown) =>
      fetch(`${server.url}/v1/rpc/${m}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const ok = await v1('privacy.report', {});
    expect(ok.status).toBe(200);
    const erase = await v1('privacy.erase', { confirm: 'ERASE EVERYTHING' });
    expect(erase.status).toBe(403);
    expect(((await erase.json()) as { error: { message: string } }).error.message).toMatch(/only you can do it/);
    const imp = await v1('privacy.import', { path: '/tmp/x.zip', passphrase: 'whatever passphrase' });
    expect(imp.status).toBe(403);
    const report = await rpc<PrivacyReport>('privacy.report');
    expect(report.holdings.find((h) => h.kind === 'projects')!.count).toBe(1);

    const calls = await rpc<LedgerPage>('privacy.ledger', { kind: 'api.call', limit: 10 });
    expect(calls.entries.map((e) => e.detail).reverse()).toEqual([
      { keyId: apiKey.id, method: 'POST', path: '/v1/rpc/privacy.report', status: 200 },
      { keyId: apiKey.id, method: 'POST', path: '/v1/rpc/privacy.erase', status: 403 },
      { keyId: apiKey.id, method: 'POST', path: '/v1/rpc/privacy.import', status: 403 },
    ]);
  });
});
