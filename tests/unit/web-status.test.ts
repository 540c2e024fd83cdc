/**
 * Issue #15 (small errors): failures the user can act on answer a 4xx with a specific code, never a 500: a wrong
 * vault passphrase (423 VAULT_LOCKED), an upload with the vault locked (423), an upload with no VAD pack (424
 * ENGINE_UNAVAILABLE). A real `timbre serve` and real requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const CLIP = path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav');
const t = tempDir();
let server: ServerProcess;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  // No keychain in this process (no D-Bus session): the vault needs a passphrase.
  server = await startServer(path.join(t.dir, 'data'), { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' });
}, 60_000);
afterAll(() => {
  server?.proc.kill('SIGTERM');
  t.cleanup();
});

const upload = () =>
  fetch(`${server.url}/api/uploads?name=clip.wav&kind=audio`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${server.token}` },
    body: readFileSync(CLIP),
  });

describe('statuses of failures the user can act on', () => {
  it('an upload while the vault is locked answers 423 VAULT_LOCKED', async () => {
    const r = await upload();
    expect(r.status).toBe(423);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('VAULT_LOCKED');
  });

  it('unlocked, but no VAD pack: the upload answers 424 ENGINE_UNAVAILABLE naming the pack', async () => {
    expect((await server.rpc('vault.unlock', { passphrase: 'the right passphrase' })).ok).toBe(true);
    const r = await upload();
    expect(r.status).toBe(424);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ENGINE_UNAVAILABLE');
    expect(body.error.message).toMatch(/silero-vad/);
  });

  it('a wrong passphrase for an existing vault answers 423 VAULT_LOCKED, not 500', async () => {
    const res = await fetch(`${server.url}/api/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ method: 'vault.unlock', params: { passphrase: 'a wrong passphrase' } }),
    });
    expect(res.status).toBe(423);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VAULT_LOCKED');
    expect(body.error.message).toMatch(/Wrong passphrase/);
  });
});

describe('GET /api/session (how the page tells a restart from an outage)', () => {
  it('answers 200 with the token and 401 UNAUTHORIZED with another one', async () => {
    const ok = await fetch(`${server.url}/api/session`, { headers: { Authorization: `Bearer ${server.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, result: { transport: 'web' } });
    const stale = await fetch(`${server.url}/api/session`, { headers: { Authorization: 'Bearer an-old-token' } });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });
});
