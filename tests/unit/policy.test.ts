/**
 * Issue #13: the managed policy file (TIMBRE_POLICY_FILE fixtures), enforced where the work happens: the CLI, the
 * core behind the API, and the web server. Each refusal names the policy; a broken policy stops Timbre (fail closed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readPolicyFile, PolicyError } from '../../main/node/policy/policy.js';
import { updateEngineSettings, updatesDisabledByPolicy } from '../../main/electron-main/updater.js';
import { ROOT, startServer } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const SHARED = path.resolve('../shared/models');
const CLIP = path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav');
const SILERO_SHA = '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3';
const t = tempDir();
let n = 0;

function policyFile(policy: unknown): string {
  const f = path.join(t.dir, `policy-${++n}.json`);
  writeFileSync(f, typeof policy === 'string' ? policy : JSON.stringify(policy));
  return f;
}

function timbre(args: string[], policy: string, extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TIMBRE_POLICY_FILE: policy, TIMBRE_DATA_DIR: '', ...extraEnv },
  });
}
const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});
afterAll(() => t.cleanup());

describe('reading the policy file', () => {
  it('no file: no policy; a valid file: its settings; anything broken: a PolicyError naming the file and the problem', () => {
    expect(readPolicyFile(path.join(t.dir, 'none.json'))).toBeNull();
    const ok = policyFile({ modelDownloads: false, updates: { enabled: true, channel: 'beta' } });
    expect(readPolicyFile(ok)).toEqual({
      source: ok,
      policy: { modelDownloads: false, updates: { enabled: true, channel: 'beta' } },
    });
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [{ modelDownload: false }, /Unrecognized key.*modelDownload/],
      [{ dataDir: 'relative/dir' }, /dataDir must be an absolute path/],
      [{ packMirrorUrl: 'http://mirror.example.com/' }, /packMirrorUrl: use an https:\/\/ URL/],
      [{ allowedPacks: [{ id: 'gtcrn', sha256: ['abc'] }] }, /sha256 is 64 lowercase hex/],
    ];
    for (const [p, re] of cases) {
      const f = policyFile(p);
      expect(() => readPolicyFile(f)).toThrow(PolicyError);
      expect(() => readPolicyFile(f)).toThrow(re);
      expect(() => readPolicyFile(f)).toThrow(f);
    }
    expect(() => readPolicyFile(t.dir)).toThrow(/not a regular file/);
  });

  it('the update rules: off, channel, internal feed', () => {
    expect(updatesDisabledByPolicy({}, { updates: { enabled: false } })).toBe(true);
    expect(updatesDisabledByPolicy({}, {})).toBe(false);
    expect(
      updateEngineSettings({
        updates: { enabled: true, channel: 'beta', feedUrl: 'https://updates.example.org/timbre/' },
      }),
    ).toEqual({
      channel: 'beta',
      allowPrerelease: true,
      feed: { provider: 'generic', url: 'https://updates.example.org/timbre/' },
    });
    expect(updateEngineSettings({})).toEqual({ channel: 'stable', allowPrerelease: false, feed: null });
  });

  it('a broken policy stops every command (fail closed) with the reason', () => {
    const r = timbre(['--data-dir', path.join(t.dir, 'd0'), 'models', 'list'], policyFile('{"voiceExport": "no"}'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/policy file .* is not valid: voiceExport/);
  });
});

describe('model packs under a policy', () => {
  it('downloads off: refused naming the policy, import still works', () => {
    const pol = policyFile({ modelDownloads: false });
    const data = path.join(t.dir, 'd1');
    const r = timbre(['--data-dir', data, 'models', 'download', 'silero-vad'], pol);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toContain(`Model downloads are turned off: set by your organization (policy ${pol})`);
    const imp = timbre(['--data-dir', data, 'models', 'import', path.join(SHARED, 'silero-vad')], pol);
    expect(imp.status, imp.stderr).toBe(0);
  });

  it('allowed packs: another pack, or another version (sha256), is refused and nothing is installed', () => {
    const data = path.join(t.dir, 'd2');
    const onlyGtcrn = policyFile({ allowedPacks: [{ id: 'gtcrn' }] });
    const r = timbre(['--data-dir', data, 'models', 'import', path.join(SHARED, 'silero-vad')], onlyGtcrn);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/"silero-vad" is not allowed: set by your organization.*Allowed: gtcrn/);
    const wrongHash = policyFile({ allowedPacks: [{ id: 'silero-vad', sha256: ['0'.repeat(64)] }] });
    const r2 = timbre(['--data-dir', data, 'models', 'import', path.join(SHARED, 'silero-vad')], wrongHash);
    expect(r2.status).toBe(1);
    expect(lastLine(r2.stderr)).toMatch(/This version of the model pack "silero-vad" is not allowed/);
    expect(existsSync(path.join(data, 'models', 'silero-vad'))).toBe(false);
    const rightHash = policyFile({ allowedPacks: [{ id: 'silero-vad', sha256: [SILERO_SHA] }] });
    expect(timbre(['--data-dir', data, 'models', 'import', path.join(SHARED, 'silero-vad')], rightHash).status).toBe(0);
  });

  it('a pack mirror: the download comes from the internal server, checked against the catalog', async () => {
    const requests: string[] = [];
    const mirror = http.createServer((req, res) => {
      requests.push(req.url!);
      const m = /^\/packs\/silero-vad\/(silero_vad\.onnx|LICENSE)$/.exec(req.url!);
      if (!m) return void res.writeHead(404).end();
      res.writeHead(200);
      createReadStream(path.join(SHARED, 'silero-vad', m[1])).pipe(res);
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
    try {
      const port = (mirror.address() as AddressInfo).port;
      const pol = policyFile({ packMirrorUrl: `http://127.0.0.1:${port}/packs/` });
      const data = path.join(t.dir, 'd3');
      const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const c = spawn(
          process.execPath,
          [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, 'models', 'download', 'silero-vad'],
          {
            cwd: ROOT,
            env: { ...process.env, TIMBRE_POLICY_FILE: pol, TIMBRE_DATA_DIR: '' },
          },
        );
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('close', (status: number | null) => resolve({ status, stderr: err }));
      });
      expect(r.status, r.stderr).toBe(0);
      expect(requests.some((u) => u === '/packs/silero-vad/silero_vad.onnx')).toBe(true);
      expect(readdirSync(path.join(data, 'models', 'silero-vad'))).toContain('silero_vad.onnx');
    } finally {
      mirror.close();
    }
  });
});

describe('voices, API and data folder under a policy', () => {
  const env = { TIMBRE_PASSPHRASE: 'policy test vault passphrase', TIMBRE_VOICE_PASSPHRASE: 'policy voice passphrase' };

  it('cloning only with verified consent: an attested voice is refused; voice export off: refused', () => {
    const data = path.join(t.dir, 'd4');
    const strict = policyFile({ cloningRequiresVerifiedConsent: true });
    const add = (pol: string) =>
      timbre(
        ['--data-dir', data, 'voices', 'add', 'Reader', '--audio', CLIP, '--attest', 'Test Operator', '--json'],
        pol,
        env,
      );
    const r = add(strict);
    expect(r.status).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/consent statement read by its owner.*set by your organization/);
    // Without that rule the voice is added; then export is refused by the next policy.
    const added = add(policyFile({}));
    expect(added.status, added.stderr).toBe(0);
    const id = (JSON.parse(added.stdout) as { id: string }).id;
    const noExport = policyFile({ voiceExport: false });
    const out = path.join(t.dir, 'reader.timbrevoice');
    const ex = timbre(['--data-dir', data, 'voices', 'export', id, '-o', out], noExport, env);
    expect(ex.status).toBe(1);
    expect(lastLine(ex.stderr)).toContain(
      `Exporting voices is turned off: set by your organization (policy ${noExport})`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('local API off: /v1 answers 403 naming the policy, keys cannot be made, timbre mcp refuses; remote API off: --listen refuses', async () => {
    const pol = policyFile({ localApi: false });
    const data = path.join(t.dir, 'd5');
    const s = await startServer(data, { TIMBRE_POLICY_FILE: pol });
    try {
      const r = await fetch(`${s.url}/v1/models`, { headers: { Authorization: `Bearer ${s.token}` } });
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { message: string } }).error.message).toContain('set by your organization');
      const key = await s.rpc('apiKeys.create', { name: 'x', scope: 'full' });
      expect(key.ok).toBe(false);
      const p = await s.rpc<{ source: string; policy: object }>('policy.get', {});
      expect(p.ok && p.result).toEqual({ source: pol, policy: { localApi: false } });
      // The studio itself still works.
      expect((await s.rpc('projects.list', {})).ok).toBe(true);
    } finally {
      s.proc.kill('SIGTERM');
    }
    const mcp = timbre(['--data-dir', data, 'mcp'], pol);
    expect(mcp.status).toBe(1);
    expect(mcp.stderr).toMatch(/timbre mcp\) is turned off: set by your organization/);
    const listen = timbre(['--data-dir', data, 'serve', '--listen', '0.0.0.0'], policyFile({ remoteApi: false }));
    expect(listen.status).toBe(1);
    expect(listen.stderr).toMatch(/Serving the API to other computers is turned off: set by your organization/);
  });

  it('a fixed data folder: used without being asked, and another one is refused', () => {
    const fixed = path.join(t.dir, 'managed-data');
    mkdirSync(fixed, { recursive: true });
    const pol = policyFile({ dataDir: fixed });
    const r = timbre(['api-keys', 'list'], pol);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(fixed, 'timbre.sqlite'))).toBe(true);
    const other = timbre(['--data-dir', path.join(t.dir, 'elsewhere'), 'api-keys', 'list'], pol);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`The data folder is set by your organization (policy ${pol}): ${fixed}`);
    expect(existsSync(path.join(t.dir, 'elsewhere'))).toBe(false);
  });
});
