/**
 * Hostile audio (issue #16): WAV headers that lie, NaN/Inf samples, truncated and header-only files, a 3-hour WAV (over the 2-hour voice-audio limit).
 * The same files go through the three doors a file comes in by: the CLI (`timbre clean`, a real process), path
 * staging (`voiceAudio.stage` on a real `timbre serve`), and the upload route (`PUT /api/uploads` over a real socket).
 * Each gets the same specific problem code, quickly; the server stays up; nothing is staged, written or left partial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expectServerAlive, integrityCheck, listFiles, partialFiles, runCli } from '../helpers/hostile.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { badWavs, sparseSilentWav, writeAll } from '../helpers/bad-audio.js';
import { SHARED_MODELS, SPEECH_16K } from '../helpers/voices.js';

const SPEECH = readFileSync(path.join(SPEECH_16K, 'ls_103-1240-0000.wav'));

/** What each bad file must be refused as: problem code and a message that names what is wrong. */
const EXPECTED: Record<string, { problem: string; message: RegExp }> = {
  '4ghz.wav': { problem: 'unreadable', message: /sample rate of 4,294,967,295 Hz; Timbre reads 1,000–384,000 Hz/ },
  '500hz.wav': { problem: 'unreadable', message: /sample rate of 500 Hz/ },
  'zero-channels.wav': { problem: 'unreadable', message: /zero channels/ },
  'huge-channels.wav': { problem: 'unreadable', message: /65535 channels; at most 64/ },
  'odd-block-align.wav': { problem: 'unreadable', message: /block align 3 does not match 1 x 16 bits/ },
  'header-only.wav': { problem: 'unreadable', message: /holds no audio: its WAV header is followed by no samples/ },
  'claims-4gb.wav': { problem: 'unreadable', message: /truncated \(cut off\): its header promises 134217.7 s/ },
  'rf64-claims-10gb.wav': { problem: 'unreadable', message: /truncated \(cut off\): its header promises 312500.0 s/ },
  'truncated.wav': { problem: 'unreadable', message: /truncated \(cut off\)/ },
  'nan.wav': { problem: 'invalid-samples', message: /contains 225 invalid \(NaN\/infinite\) samples/ },
  'inf.wav': { problem: 'invalid-samples', message: /contains 225 invalid \(NaN\/infinite\) samples/ },
  '3h.wav': { problem: 'too-long', message: /is 3 h 0 min long: Timbre reads at most 2 hours of voice audio/ },
};

interface Upload {
  status: number;
  body: { ok: boolean; error?: { code: string; message: string; details?: { audioProblem?: string } } };
  ms: number;
}

/** PUT a file (streamed from disk) to /api/uploads; `chunked` leaves out Content-Length. Stops sending on the answer. */
function upload(server: ServerProcess, file: string, chunked = false): Promise<Upload> {
  const started = Date.now();
  const url = new URL(`${server.url}/api/uploads?kind=audio&name=${encodeURIComponent(path.basename(file))}`);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${server.token}`,
        'Content-Type': 'application/octet-stream',
        ...(chunked ? {} : { 'Content-Length': statSync(file).size }),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        req.destroy(); // a refusal can come before the body is all sent: stop sending
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Upload['body'], ms: Date.now() - started });
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const src = createReadStream(file);
    src.on('error', reject);
    src.pipe(req);
  });
}

/** Peak resident memory (VmHWM) of a live process, in MiB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

describe('hostile audio through the CLI, path staging and the upload route', () => {
  const t = tempDir();
  const dir = path.join(t.dir, 'files');
  const data = path.join(t.dir, 'data');
  const cliData = path.join(t.dir, 'cli-data');
  let server: ServerProcess;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeAll(dir, badWavs(SPEECH));
    sparseSilentWav(path.join(dir, '3h.wav'), 3 * 3600);
    server = await startServer(data);
    const unlocked = await server.rpc('vault.unlock', { passphrase: 'hostile audio passphrase' });
    expect(unlocked.ok).toBe(true);
    const vad = await server.rpc('models.import', { path: path.join(SHARED_MODELS, 'silero-vad') });
    expect(vad.ok).toBe(true);
  }, 120_000);
  afterAll(() => {
    server?.proc.kill();
    t.cleanup();
  });

  it('the 3-hour WAV is 1 GB on paper and takes no disk (sparse)', () => {
    const st = statSync(path.join(dir, '3h.wav'));
    expect(st.size).toBe(44 + 3 * 3600 * 48_000 * 2);
    expect(st.blocks * 512).toBeLessThan(1024 * 1024);
  });

  it('path staging and the upload route give each bad file the same specific problem; the server stays up', async () => {
    const stagingDir = path.join(data, 'staging');
    const before = listFiles(stagingDir);
    for (const [name, want] of Object.entries(EXPECTED)) {
      const file = path.join(dir, name);
      const t0 = Date.now();
      const staged = await server.rpc('voiceAudio.stage', { path: file });
      const stageMs = Date.now() - t0;
      expect(staged.ok, name).toBe(false);
      if (staged.ok) continue;
      expect(staged.error.code, name).toBe('INVALID_INPUT');
      expect((staged.error as { details?: { audioProblem?: string } }).details?.audioProblem, name).toBe(want.problem);
      expect(staged.error.message, name).toMatch(want.message);
      expect(stageMs, `${name}: refused within 5 s`).toBeLessThan(5_000);

      const up = await upload(server, file);
      expect(up.body.ok, name).toBe(false);
      expect(up.body.error?.details?.audioProblem, name).toBe(want.problem);
      expect(up.body.error?.message, name).toMatch(want.message);
      expect(up.status, name).toBe(want.problem === 'too-long' ? 413 : 400);
      expect(up.ms, `${name}: upload refused within 5 s`).toBeLessThan(5_000);

      // Chunked (no Content-Length): the same answer, except that a header declaring gigabytes is judged by what it
      // declares while the body is still arriving (refused as too long rather than buffered to find it truncated).
      const chunked = await upload(server, file, true);
      const declaresHuge = name === 'claims-4gb.wav' || name === 'rf64-claims-10gb.wav';
      expect(chunked.body.error?.details?.audioProblem, `${name} (chunked)`).toBe(
        declaresHuge ? 'too-long' : want.problem,
      );
      if (!declaresHuge) expect(chunked.body.error?.message, `${name} (chunked)`).toMatch(want.message);
      await expectServerAlive(server);
    }
    // Nothing was staged, nothing half-written, the database is intact.
    expect(listFiles(stagingDir)).toEqual(before);
    expect(partialFiles(data)).toEqual([]);
    expect(integrityCheck(data)).toBe('ok');
  }, 120_000);

  it('a 3-hour WAV upload is refused from its header, with or without Content-Length, in bounded server memory', async () => {
    const file = path.join(dir, '3h.wav');
    for (const chunked of [false, true]) {
      const up = await upload(server, file, chunked);
      expect(up.status).toBe(413);
      expect(up.body.error?.details?.audioProblem).toBe('too-long');
      expect(up.ms).toBeLessThan(5_000);
      await expectServerAlive(server);
    }
    expect(peakRssMb(server.proc.pid!)).toBeLessThan(1024);
    expect(listFiles(path.join(data, 'staging'))).toEqual([]);
  }, 60_000);

  it('a good upload and a good path still stage after all of that (and the staged item reads back)', async () => {
    const good = path.join(SPEECH_16K, 'ls_103-1240-0000.wav');
    const up = await upload(server, good);
    expect(up.status).toBe(200);
    const id = (up.body as unknown as { result: { stagingId: string } }).result.stagingId;
    const got = await server.rpc<{ durationSeconds: number }>('voiceAudio.get', { stagingId: id });
    expect(got.ok).toBe(true);
    const staged = await server.rpc<{ stagingId: string }>('voiceAudio.stage', { path: good });
    expect(staged.ok).toBe(true);
    await expectServerAlive(server);
  }, 60_000);

  it('the CLI (`timbre clean`, a real process) refuses the same files with the same problem, fast, in < 1 GB', async () => {
    const names = Object.keys(EXPECTED);
    const runs: Record<string, Awaited<ReturnType<typeof runCli>>> = {};
    // Two at a time: each run is a fresh Node process.
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(
        names.slice(i, i + 2).map(async (name) => {
          runs[name] = await runCli(['clean', path.join(dir, name), '-o', path.join(t.dir, `out-${name}`), '--json'], {
            dataDir: cliData,
            env: { TIMBRE_MODELS_DIR: SHARED_MODELS },
            timeoutMs: 60_000,
          });
        }),
      );
    }
    for (const name of names) {
      const r = runs[name];
      const want = EXPECTED[name];
      expect(r.timedOut, name).toBe(false);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      const out = JSON.parse(r.stdout) as { error: { details: { audioProblem: string }; message: string } };
      expect(out.error.details.audioProblem, name).toBe(want.problem);
      expect(r.stderr, name).toMatch(want.message);
      expect(r.maxRssMb, name).toBeLessThan(1024);
      expect(r.wallMs, name).toBeLessThan(30_000);
      expect(existsSync(path.join(t.dir, `out-${name}`)), name).toBe(false);
    }
    expect(partialFiles(t.dir)).toEqual([]);
  }, 300_000);

  it('`timbre voices add` refuses the 3-hour and the 4 GHz WAV within seconds, in < 1 GB, adding nothing', async () => {
    const voicesData = path.join(t.dir, 'voices-data');
    for (const [name, want] of [
      ['3h.wav', EXPECTED['3h.wav']],
      ['4ghz.wav', EXPECTED['4ghz.wav']],
      ['nan.wav', EXPECTED['nan.wav']],
    ] as const) {
      const r = await runCli(['voices', 'add', 'Hostile', '--audio', path.join(dir, name), '--attest', 'Tester'], {
        dataDir: voicesData,
        env: { TIMBRE_PASSPHRASE: 'hostile audio passphrase', TIMBRE_MODELS_DIR: SHARED_MODELS },
        timeoutMs: 60_000,
      });
      expect(r.timedOut, name).toBe(false);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2); // the voices commands' exit code for bad input
      expect(r.stderr, name).toMatch(want.message);
      expect(r.stderr, name).not.toMatch(/breaks the contract|internal/i);
      expect(r.maxRssMb, name).toBeLessThan(1024);
      expect(r.wallMs, name).toBeLessThan(30_000);
    }
    expect(listFiles(path.join(voicesData, 'staging'))).toEqual([]);
    expect(partialFiles(voicesData)).toEqual([]);
    expect(integrityCheck(voicesData)).toBe('ok');
    const list = await runCli(['voices', 'list', '--json'], {
      dataDir: voicesData,
      env: { TIMBRE_PASSPHRASE: 'hostile audio passphrase' },
    });
    expect((JSON.parse(list.stdout) as { library: unknown[] }).library).toEqual([]);
  }, 120_000);
});
