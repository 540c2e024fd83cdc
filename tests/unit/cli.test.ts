import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeWav } from '../../native-models/audio/wav.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
});

/** Through npx, exactly as a user types it. */
const npxTimbre = (args: string[]) =>
  spawnSync('npx', ['--no-install', 'timbre', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'silent' },
  });
const timbre = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/timbre.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });

describe('timbre CLI', () => {
  it('npx timbre say writes a valid, non-silent WAV', () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = path.join(dir, 'hello.wav');
      const r = npxTimbre(['--data-dir', path.join(dir, 'data'), 'say', 'Hello from Timbre', '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Wrote .*hello\.wav \(\d\.\d\d s, 22050 Hz/);
      const wav = decodeWav(readFileSync(out));
      const seconds = wav.samples.length / wav.sampleRate;
      expect(seconds).toBeGreaterThan(0.6);
      expect(seconds).toBeLessThan(3);
      const rms = Math.sqrt(wav.samples.reduce((s, v) => s + v * v, 0) / wav.samples.length);
      expect(rms).toBeGreaterThan(0.02);
    } finally {
      cleanup();
    }
  });

  it('say reads text from stdin with "-" and honours --voice', () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = path.join(dir, 'de.wav');
      const r = spawnSync(
        process.execPath,
        [path.join(ROOT, 'bin/timbre.mjs'), 'say', '-', '--voice', 'espeak:de', '-o', out],
        {
          input: 'Guten Morgen, wie geht es dir?',
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/voice espeak:de\)/);
      expect(decodeWav(readFileSync(out)).samples.length).toBeGreaterThan(22050);
    } finally {
      cleanup();
    }
  });

  it('usage errors exit 2 with a pointer to --help; engine errors exit 1 with the reason', () => {
    const missing = timbre(['say', 'hi']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/required option '-o, --output <file>'/);
    expect(missing.stderr).toMatch(/timbre say --help/);
    expect(timbre(['frobnicate']).status).toBe(2);
    const badVoice = timbre(['say', 'hi', '--voice', 'zz-nope', '-o', '/tmp/timbre-never.wav']);
    expect(badVoice.status).toBe(2);
    expect(badVoice.stderr).toMatch(/no voice "zz-nope"/);
    const emoji = timbre(['say', '🎙️', '-o', '/tmp/timbre-never.wav']);
    expect(emoji.status).toBe(1);
    expect(emoji.stderr).toMatch(/cannot speak/);
    const port = timbre(['serve', '--port', '99999']);
    expect(port.status).toBe(2);
  });

  it('--help works on every subcommand', () => {
    const top = timbre(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/--data-dir/);
    for (const cmd of ['say', 'serve']) {
      const r = timbre([cmd, '--help']);
      expect(r.status, cmd).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: timbre ${cmd}`));
    }
  });
});

describe('npm start without the Electron binary', () => {
  it('says so and serves the studio in web mode, printing its URL', async () => {
    const { dir, cleanup } = tempDir();
    const proc = spawn('npm', ['start', '--silent', '--', '--data-dir', dir], {
      cwd: ROOT,
      env: { ...process.env, TIMBRE_SKIP_INSTALL: '1', TIMBRE_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 60_000);
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Timbre studio: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
      });
      expect(err).toMatch(/cannot open the desktop window/);
      const base = url.split('/#')[0];
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const token = url.split('#token=')[1];
      const info = await fetch(`${base}/api/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ method: 'app.info', params: {} }),
      }).then((r) => r.json() as Promise<{ result: unknown }>);
      expect(info.result).toMatchObject({ name: 'Timbre', transport: 'web' });
    } finally {
      process.kill(-proc.pid!, 'SIGTERM');
      cleanup();
    }
  });
});
