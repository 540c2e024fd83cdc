/**
 * Web mode and Electron routes for staged voice audio: the token-protected upload (a browser has no file paths) and
 * the decrypted playback of staged audio over /api/media/staging and timbre-media://staging.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startWebServer } from '../../main/node/server/web-server.js';
import { createMediaHandler } from '../../main/electron-main/media.js';
import { decodeWav } from '../../native-models/audio/wav.js';
import type { LibraryVoice, StagedAudio } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SPEECH_16K, SPEECH_NATIVE, call, openVoiceCore } from '../helpers/voices.js';

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

type Reply = { ok: boolean; result?: unknown; error?: { code: string; message: string } } | null;

const TOKEN = 'voices-web-test-token-0123456789';

function put(
  url: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Reply }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', (e) => (/ECONNRESET|EPIPE/.test(String(e)) ? undefined : reject(e)));
    req.end(body);
  });
}

describe('staged audio over web mode and the Electron media protocol', () => {
  it('uploads a file (token required, size-capped), then plays the staged audio decrypted', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openVoiceCore(t.dir);
    cleanups.push(() => core.close());
    await call(core, 'vault.unlock', { passphrase: 'web upload passphrase' });
    const server = await startWebServer({ core, staticDir: t.dir, token: TOKEN });
    cleanups.push(() => server.close());

    const mp3 = path.join(t.dir, 'voice.mp3');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(SPEECH_NATIVE, 'lj_LJ001-0003.wav'), mp3]);
    const bytes = readFileSync(mp3);

    const noToken = await put(`${server.url}/api/uploads?name=voice.mp3`, bytes);
    expect(noToken.status).toBe(401);
    const up = await put(`${server.url}/api/uploads?name=voice.mp3&kind=audio`, bytes, {
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(up.status, JSON.stringify(up.json)).toBe(200);
    const staged = up.json?.result as StagedAudio;
    expect(staged.source).toBe('upload');
    expect(staged.report.speechSeconds).toBeGreaterThan(3);

    const junk = await put(`${server.url}/api/uploads?name=junk.mp3`, Buffer.from('not audio'.repeat(100)), {
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(junk.status).toBe(400);
    // The same checks and words as a file staged by path (one set of checks for every way a file arrives).
    expect(junk.json?.error?.message).toMatch(/junk\.mp3 is a text file, not a readable audio or video file/);
    expect((junk.json?.error as { details?: unknown } | undefined)?.details).toEqual({
      audioProblem: 'unsupported-type',
    });

    const huge = await put(`${server.url}/api/uploads?name=big.wav`, Buffer.alloc(10), {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Length': String(core.uploadMaxBytes + 1),
    }).catch(() => ({ status: 413, json: null }));
    expect(huge.status).toBe(413);

    // Playback, token in the query like takes.
    const media = `${server.url}/api/media/staging/${staged.stagingId}.wav`;
    expect((await fetch(media)).status).toBe(401);
    const res = await fetch(`${media}?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = decodeWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav.samples.length / wav.sampleRate).toBeCloseTo(staged.durationSeconds, 3);
    const part = await fetch(`${media}?token=${TOKEN}`, { headers: { Range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(44);
    expect((await fetch(`${server.url}/api/media/staging/stg_nope.wav?token=${TOKEN}`)).status).toBe(404);

    // The Electron protocol serves the same bytes.
    const handler = createMediaHandler(core);
    const e = await handler(new Request(`timbre-media://staging/${staged.stagingId}.wav`));
    expect(e.status).toBe(200);
    expect(Buffer.from(await e.arrayBuffer()).equals(await core.stagingWav(staged.stagingId))).toBe(true);
    expect((await handler(new Request('timbre-media://staging/stg_nope.wav'))).status).toBe(404);
    expect((await handler(new Request('timbre-media://staging/../vault.json'))).status).toBe(404);

    // A .timbrevoice file picked in the browser: uploaded as it is (already sealed), then imported by upload id.
    const voice = await call<LibraryVoice>(core, 'library.create', {
      name: 'Web',
      stagingIds: [staged.stagingId],
      consent: { kind: 'attest', name: 'Test Operator', purpose: 'Web upload test' },
    });
    const exported = await call<{ path: string }>(core, 'library.export', {
      id: voice.id,
      path: path.join(t.dir, 'web'),
      passphrase: 'web voice passphrase',
    });
    const vf = await put(
      `${server.url}/api/uploads?name=web.timbrevoice&kind=voice-file`,
      readFileSync(exported.path),
      {
        Authorization: `Bearer ${TOKEN}`,
      },
    );
    expect(vf.status).toBe(200);
    const { uploadId } = vf.json?.result as { uploadId: string };
    const back = await call<LibraryVoice>(core, 'library.importFile', { uploadId, passphrase: 'web voice passphrase' });
    expect(back.samples.map((s) => s.sha256)).toEqual(voice.samples.map((s) => s.sha256));
    const again = await core.dispatch('library.importFile', { uploadId, passphrase: 'web voice passphrase' });
    expect(!again.ok && again.error.code).toBe('NOT_FOUND'); // used up

    // A 16 kHz clip staged from a path plays at its own rate.
    const direct = await call<StagedAudio>(core, 'voiceAudio.stage', {
      path: path.join(SPEECH_16K, 'arctic_aew_a0001.wav'),
    });
    const d = decodeWav(await core.stagingWav(direct.stagingId));
    expect(d.sampleRate).toBe(16000);
  });
});
