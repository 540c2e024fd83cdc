/**
 * No egress (issue #13): a full CLI session (import a model pack, render a script: project, generation, export; record
 * from the virtual microphone; clean a recording; export everything; the privacy report and ledger) runs inside a
 * network namespace this test creates with only loopback, every process under `strace -f -e trace=connect`: the trace
 * shows zero connection attempts to anything but loopback, and the ledger no network request. A control run (a fetch
 * to a TEST-NET address in the same namespace under the same watch) proves the watch sees an attempt. Skipped, saying
 * why, where network namespaces or strace are not available (they need root or CAP_SYS_ADMIN).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LedgerPage } from '../../preload/contract/index.js';
import { startVirtualMic, type VirtualMic } from '../helpers/pulse.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { SHARED_MODELS, SPEECH_16K } from '../helpers/voices.js';

const NS = `timbre-noegress-${process.pid}`;
const t = tempDir('timbre-noegress-');
let unavailable: string | null = null;
let mic: VirtualMic | string = 'not started';
let traces = 0;

function probe(): string | null {
  if (spawnSync('strace', ['-V']).status !== 0) return 'strace is not installed';
  const add = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8' });
  if (add.status !== 0) return `ip netns add is not permitted here: ${add.stderr.trim() || add.error?.message}`;
  const lo = spawnSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (lo.status !== 0) return `cannot bring up loopback in the namespace: ${lo.stderr.trim()}`;
  return null;
}

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  unavailable = probe();
  if (!unavailable) mic = await startVirtualMic('timbre_noegress');
});

afterAll(async () => {
  if (typeof mic !== 'string') await mic.stop();
  if (!unavailable) spawnSync('ip', ['netns', 'del', NS]);
  t.cleanup();
});

/** Run a command in the namespace under the connect() watch; returns its result and the trace file. */
function traced(cmd: string[], env: NodeJS.ProcessEnv = {}) {
  const trace = path.join(t.dir, `trace.${++traces}`);
  const args = ['netns', 'exec', NS, 'strace', '-f', '-qq', '-e', 'trace=connect', '-o', trace, ...cmd];
  return { args, trace, env: { ...process.env, ...env } };
}

function run(cmd: string[], env: NodeJS.ProcessEnv = {}) {
  const c = traced(cmd, env);
  const r = spawnSync('ip', c.args, { cwd: ROOT, encoding: 'utf8', env: c.env, maxBuffer: 16 << 20 });
  return { ...r, trace: c.trace };
}

const timbre = (data: string, ...args: string[]) =>
  run([process.execPath, path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', data, ...args], {
    TIMBRE_VOICE_PASSPHRASE: 'no egress passphrase',
    TIMBRE_DATA_DIR: '',
  });

/** connect() calls in a trace to anything but loopback (AF_UNIX sockets are local files, not the network). */
function outbound(trace: string): string[] {
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => /connect\(/.test(l) && /AF_INET6?/.test(l))
    .filter((l) => {
      const v4 = /inet_addr\("([\d.]+)"\)/.exec(l)?.[1];
      if (v4) return !v4.startsWith('127.');
      const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(l)?.[1];
      return !(v6 === '::1' || v6?.startsWith('::ffff:127.'));
    });
}

describe('no egress', () => {
  it('the watch sees an outbound attempt (control)', (ctx) => {
    if (unavailable) {
      console.warn(`no-egress test skipped: ${unavailable}`);
      return ctx.skip();
    }
    const r = run([process.execPath, '-e', "fetch('http://192.0.2.1/').catch(() => {})"]);
    expect(r.status, r.stderr).toBe(0);
    expect(outbound(r.trace).join('\n')).toMatch(/192\.0\.2\.1/);
  });

  it('a full CLI session makes no connection attempt beyond loopback', async (ctx) => {
    if (unavailable) {
      console.warn(`no-egress test skipped: ${unavailable}`);
      return ctx.skip();
    }
    const data = path.join(t.dir, 'data');
    const script = path.join(t.dir, 'show.txt');
    writeFileSync(script, 'HOST: Nothing here leaves this machine.\nGUEST: Not a single byte.\n');
    const steps: { name: string; r: ReturnType<typeof run> }[] = [];
    const step = (name: string, r: ReturnType<typeof run>) => {
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      steps.push({ name, r });
      return r;
    };
    step('models import', timbre(data, 'models', 'import', path.join(SHARED_MODELS, 'silero-vad')));
    step(
      'render',
      timbre(data, 'render', script, '--voice', 'espeak:en-us', '-f', 'mp3', '-o', path.join(t.dir, 'show.mp3')),
    );
    if (typeof mic !== 'string') {
      // Record while the virtual microphone plays (the recorder talks to PulseAudio over a unix socket).
      const m = mic;
      const rec = path.join(t.dir, 'rec.wav');
      const c = traced([process.execPath, path.join(ROOT, 'bin/timbre.mjs'), 'record', '--seconds', '2', '-o', rec]);
      const child = spawn('ip', c.args, { cwd: ROOT, env: c.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) await m.play(path.join(SPEECH_16K, 'arctic_aew_a0001.wav'));
      expect(await exited, err).toBe(0);
      expect(statSync(rec).size).toBeGreaterThan(2 * 48_000);
      steps.push({ name: 'record', r: { trace: c.trace } as ReturnType<typeof run> });
    } else console.warn(`no-egress test: no virtual microphone (${mic}); the recording step is skipped`);
    step(
      'clean',
      timbre(
        data,
        'clean',
        path.join(SPEECH_16K, 'arctic_aew_a0001.wav'),
        '--trim',
        '--normalize',
        '-o',
        path.join(t.dir, 'clean.wav'),
      ),
    );
    step('privacy export', timbre(data, 'privacy', 'export', '-o', path.join(t.dir, 'all.zip')));
    step('privacy report', timbre(data, 'privacy', 'report', '--json'));
    const led = step('privacy ledger', timbre(data, 'privacy', 'ledger', '--json', '--limit', '1000'));

    for (const s of steps) expect(outbound(s.r.trace), `${s.name} tried to reach the network`).toEqual([]);
    const page = JSON.parse(led.stdout) as LedgerPage;
    expect(page.entries.filter((e) => e.kind === 'network.request')).toEqual([]);
    expect(page.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['model.run', 'export.written']));
  }, 300_000);
});
