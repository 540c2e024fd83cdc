/**
 * Issue #12: the public API under /v1 on a real `timbre serve` process, driven by the official `openai` npm client
 * (baseURL pointed at Timbre) and by raw requests: decodable audio in every response_format, streaming, auth and
 * the Host/Origin gate, fairness under 20 concurrent requests, flat memory over 500 requests, the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { methods } from '../../preload/contract/index.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

let server: ServerProcess;
let client: OpenAI;
const t = tempDir();

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  server = await startServer(path.join(t.dir, 'data'));
  client = new OpenAI({ apiKey: server.token, baseURL: `${server.url}/v1`, maxRetries: 0, timeout: 60_000 });
}, 60_000);

afterAll(() => {
  server?.proc.kill('SIGTERM');
  t.cleanup();
});

/** Decode with ffmpeg (the format named, or probed) and return the duration in seconds and the sample rate. */
function decode(bytes: Buffer, name: string, inputArgs: string[] = []): { seconds: number; rate: number } {
  const file = path.join(t.dir, name);
  writeFileSync(file, bytes);
  const r = spawnSync('ffmpeg', ['-v', 'error', ...inputArgs, '-i', file, '-f', 's16le', '-ac', '1', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(r.status, r.stderr?.toString()).toBe(0);
  const probe = spawnSync(
    'ffprobe',
    ['-v', 'error', ...inputArgs, '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', file],
    { encoding: 'utf8' },
  );
  const rate = Number(probe.stdout.trim().split('\n')[0]);
  return { seconds: r.stdout.length / 2 / rate, rate };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

const SENTENCE = 'Timbre speaks this sentence through the OpenAI compatible endpoint.';

describe('OpenAI-compatible speech with the official openai client', () => {
  it('lists models: the OpenAI names and the installed engines', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'espeak']));
  });

  it.each(['mp3', 'opus', 'aac', 'flac', 'wav'] as const)(
    'response_format %s: the right content type and audio that decodes to the spoken length',
    async (format) => {
      const res = await client.audio.speech.create({
        model: 'tts-1',
        voice: 'alloy',
        input: SENTENCE,
        response_format: format,
      });
      const type = {
        mp3: 'audio/mpeg',
        opus: 'audio/opus',
        aac: 'audio/aac',
        flac: 'audio/flac',
        wav: 'audio/wav',
      }[format];
      expect(res.headers.get('content-type')).toBe(type);
      const { seconds } = decode(Buffer.from(await res.arrayBuffer()), `speech.${format}`);
      expect(seconds).toBeGreaterThan(2);
      expect(seconds).toBeLessThan(10);
    },
  );

  it('response_format pcm: raw 24 kHz 16-bit mono, the same length as the WAV', async () => {
    const pcm = Buffer.from(
      await (
        await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: SENTENCE, response_format: 'pcm' })
      ).arrayBuffer(),
    );
    const wav = Buffer.from(
      await (
        await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: SENTENCE, response_format: 'wav' })
      ).arrayBuffer(),
    );
    expect(pcm.length % 2).toBe(0);
    expect(wav.length - 44).toBe(pcm.length);
    const d = decode(pcm, 'speech.pcm', ['-f', 's16le', '-ar', '24000', '-ac', '1']);
    expect(d.seconds).toBeCloseTo(pcm.length / 2 / 24_000, 2);
    expect(d.seconds).toBeGreaterThan(2);
  });

  it('speed 2 halves the length (pitch kept by time-stretching); OpenAI voice names map to different voices', async () => {
    const get = async (voice: string, speed: number) =>
      Buffer.from(
        await (
          await client.audio.speech.create({ model: 'tts-1', voice, input: SENTENCE, response_format: 'pcm', speed })
        ).arrayBuffer(),
      );
    const normal = await get('nova', 1);
    const fast = await get('nova', 2);
    expect(fast.length / normal.length).toBeGreaterThan(0.45);
    expect(fast.length / normal.length).toBeLessThan(0.55);
    const other = await get('onyx', 1);
    expect(other.equals(normal)).toBe(false);
  });

  it('streams: the first bytes arrive long before the whole text is spoken', async () => {
    const input = Array.from({ length: 30 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' ');
    const started = performance.now();
    const res = await client.audio.speech
      .create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav' })
      .asResponse();
    const reader = res.body!.getReader();
    let firstAt = 0;
    let firstBytes = 0;
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!firstAt) {
        firstAt = performance.now() - started;
        firstBytes = value.length;
      }
      total += value.length;
    }
    const totalMs = performance.now() - started;
    // 30 sentences are synthesised one after another: the first arrives after about one of them.
    expect(firstBytes).toBeLessThan(total / 4);
    expect(firstAt).toBeLessThan(totalMs / 3);
    expect(total).toBeGreaterThan(44 + 24_000 * 2 * 30); // well over 30 s of audio
  });

  it('errors in OpenAI shape: unknown voice 404, unknown model 404, empty input 400, bad speed 400', async () => {
    const cases: [Record<string, unknown>, number, string | null][] = [
      [{ model: 'tts-1', voice: 'nobody', input: 'Hi.' }, 404, 'voice'],
      [{ model: 'no-such-model', voice: 'alloy', input: 'Hi.' }, 404, 'model'],
      [{ model: 'tts-1', voice: 'alloy', input: '' }, 400, 'input'],
      [{ model: 'tts-1', voice: 'alloy', input: 'Hi.', speed: 9 }, 400, 'speed'],
      [{ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'ogg' }, 400, 'response_format'],
    ];
    for (const [body, status, param] of cases) {
      const err = await client.audio.speech.create(body as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(body)).toBeInstanceOf(OpenAI.APIError);
      const e = err as InstanceType<typeof OpenAI.APIError>;
      expect(e.status, JSON.stringify(body)).toBe(status);
      expect((e.error as { param?: string }).param).toBe(param);
      expect(e.message.length).toBeGreaterThan(10);
    }
  });

  it('a body over 2 MiB: 413 in OpenAI shape, and the server goes on', async () => {
    const r = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const ok = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'Still here.',
      response_format: 'wav',
    });
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(44);
  });

  it('no key or a wrong key: 401 AuthenticationError', async () => {
    for (const apiKey of ['', 'wrong-key']) {
      const c = new OpenAI({ apiKey: apiKey || 'x', baseURL: `${server.url}/v1`, maxRetries: 0 });
      if (!apiKey) c.apiKey = '';
      const err = await c.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    }
  });

  it('the gate holds on /v1: foreign Host → 421, foreign Origin → 403, text/plain → 415', async () => {
    const port = Number(new URL(server.url).port);
    const raw = (headers: Record<string, string>, body = '{}') =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: '/v1/audio/speech', method: 'POST', headers },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const auth = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' };
    expect(await raw({ ...auth, Host: 'evil.example:80' })).toBe(421);
    expect(await raw({ ...auth, Origin: 'http://evil.example' })).toBe(403);
    expect(await raw({ ...auth, 'Content-Type': 'text/plain' })).toBe(415);
  });

  it('20 concurrent requests all complete (queued one after another, none refused)', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await client.audio.speech.create({
          model: 'tts-1',
          voice: 'alloy',
          input: `Request number ${i + 1} is here.`,
          response_format: 'wav',
        });
        return Buffer.from(await res.arrayBuffer()).length;
      }),
    );
    expect(results.every((n) => n > 44 + 24_000)).toBe(true);
  }, 120_000);

  it('500 sequential short requests leave the server RSS within 20 % of where it started', async () => {
    const one = async () => {
      const res = await client.audio.speech.create({
        model: 'tts-1',
        voice: 'alloy',
        input: 'Hi.',
        response_format: 'pcm',
      });
      return (await res.arrayBuffer()).byteLength;
    };
    for (let i = 0; i < 30; i++) await one(); // warm up: engine loaded, caches filled
    const before = rssKb(server.proc.pid!);
    for (let i = 0; i < 500; i++) expect(await one()).toBeGreaterThan(1000);
    const after = rssKb(server.proc.pid!);
    console.log(`api: server RSS ${Math.round(before / 1024)} MB → ${Math.round(after / 1024)} MB over 500 requests`);
    expect(after).toBeLessThan(before * 1.2);
  }, 300_000);
});

describe('the rest of /v1', () => {
  it('/v1/openapi.json validates as OpenAPI 3.1 and covers every contract method', async () => {
    const res = await fetch(`${server.url}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    const v = new Validator();
    const r = await v.validate(doc as never);
    expect(r.valid, String(JSON.stringify(r.errors)).slice(0, 2000)).toBe(true);
    // The validator does check: a broken copy is refused.
    const broken = JSON.parse(JSON.stringify(doc)) as { paths: Record<string, { get?: { responses: unknown } }> };
    broken.paths['/v1/models'].get!.responses = 5;
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
    const documented = Object.keys(doc.paths)
      .filter((p) => p.startsWith('/v1/rpc/'))
      .map((p) => p.slice(8))
      .sort();
    expect(documented).toEqual(Object.keys(methods).sort());
    for (const p of ['/v1/audio/speech', '/v1/models', '/v1/audio/voices', '/v1/events'])
      expect(doc.paths).toHaveProperty([p]);
  });

  it('/v1/rpc/<method>: a project is created and read back; bad params are 400 in OpenAI shape', async () => {
    const call = (m: string, body: unknown) =>
      fetch(`${server.url}/v1/rpc/${m}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await call('projects.create', { name: 'From the API' });
    expect(created.status).toBe(200);
    const p = (await created.json()) as { id: string; name: string };
    expect(p.name).toBe('From the API');
    const got = (await (await call('projects.get', { id: p.id })).json()) as { name: string };
    expect(got.name).toBe('From the API');
    const bad = await call('projects.create', { name: '' });
    expect(bad.status).toBe(400);
    const e = (await bad.json()) as { error: { type: string; code: string; message: string } };
    expect(e.error.type).toBe('invalid_request_error');
    expect(e.error.code).toBe('invalid_input');
    expect((await call('projects.nope', {})).status).toBe(404);
  });

  it('/v1/events streams core events as Server-Sent Events', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/v1/events`, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    await reader.read(); // the opening comment: subscribed
    await fetch(`${server.url}/v1/rpc/projects.create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Evented' }),
    });
    let text = '';
    while (!text.includes('event: projects.changed')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    expect(text).toContain('event: projects.changed\ndata: {}');
  });
});

describe('API keys', () => {
  const rpc = async <T>(m: string, p: unknown) => {
    const r = await server.rpc<T>(m, p);
    if (!r.ok) throw new Error(r.error.message);
    return r.result;
  };
  const v1 = (key: string, p: string, init: RequestInit = {}) =>
    fetch(`${server.url}${p}`, { ...init, headers: { Authorization: `Bearer ${key}`, ...init.headers } });

  it('a speech key speaks with the openai client, is refused elsewhere, is logged, and is refused once revoked', async () => {
    const { key, apiKey } = await rpc<{ key: string; apiKey: { id: string; prefix: string; scope: string } }>(
      'apiKeys.create',
      { name: 'podcast pipeline', scope: 'speech' },
    );
    expect(key).toMatch(/^tmb_[\w-]{43}$/);
    expect(key.startsWith(apiKey.prefix.replace('…', ''))).toBe(true);
    // Stored hashed: the key itself appears nowhere in the list.
    expect(JSON.stringify(await rpc('apiKeys.list', {}))).not.toContain(key);

    const c = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const audio = await c.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'Hello.',
      response_format: 'wav',
    });
    expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(44 + 24_000);
    expect(
      (
        await v1(key, '/v1/rpc/projects.list', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    // A key is not the studio page's token.
    expect(
      (
        await v1(key, '/api/rpc', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"method":"app.info","params":{}}',
        })
      ).status,
    ).toBe(401);

    const log = await rpc<{ keyName: string; path: string; status: number; remote: string }[]>('apiLog.list', {
      limit: 10,
    });
    expect(log.slice(0, 2).map((e) => [e.keyName, e.path, e.status, e.remote])).toEqual([
      ['podcast pipeline', '/v1/rpc/projects.list', 403, 'loopback'],
      ['podcast pipeline', '/v1/audio/speech', 200, 'loopback'],
    ]);
    const listed = await rpc<{ id: string; lastUsedAt: string | null }[]>('apiKeys.list', {});
    expect(listed.find((k) => k.id === apiKey.id)!.lastUsedAt).not.toBeNull();

    await rpc('apiKeys.revoke', { id: apiKey.id });
    const err = await c.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello.' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('a full key reaches every /v1 route', async () => {
    const { key } = await rpc<{ key: string }>('apiKeys.create', { name: 'automation', scope: 'full' });
    const r = await v1(key, '/v1/rpc/projects.list', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(200);
    expect(Array.isArray(await r.json())).toBe(true);
  });
});

describe('serving beyond this computer (--listen)', () => {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

  it.skipIf(!lan)(
    'other computers get /v1 with API keys only, rate-limited; never the page token or the studio',
    async () => {
      const data = path.join(t.dir, 'data-remote');
      const s = await startServer(data, {}, ['--listen', '0.0.0.0']);
      try {
        const port = new URL(s.url).port;
        const base = `http://${lan}:${port}`;
        const created = await s.rpc<{ key: string }>('apiKeys.create', { name: 'lan client', scope: 'full' });
        if (!created.ok) throw new Error(created.error.message);
        const key = created.result.key;
        const get = (p: string, bearer?: string) =>
          fetch(`${base}${p}`, { headers: bearer ? { Authorization: `Bearer ${bearer}` } : {} });
        expect((await get('/v1/models', key)).status).toBe(200);
        expect((await get('/v1/models', s.token)).status).toBe(401); // the per-launch token stays on this computer
        expect((await get('/v1/models')).status).toBe(401);
        expect((await get('/', key)).status).toBe(403); // the studio page
        expect((await get('/api/rpc', s.token)).status).toBe(403);
        // Rate limit per key: a burst of 30, then 429 with Retry-After.
        const statuses: number[] = [];
        let retryAfter: string | null = null;
        for (let i = 0; i < 40; i++) {
          const r = await get('/v1/models', key);
          statuses.push(r.status);
          if (r.status === 429) retryAfter = r.headers.get('retry-after');
          await r.arrayBuffer();
        }
        expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(0);
        expect(Number(retryAfter)).toBeGreaterThan(0);
        const log = await s.rpc<{ remote: string }[]>('apiLog.list', { limit: 1 });
        expect(log.ok && log.result[0].remote).toBe(lan);
        // Settings cannot change a listener that --listen chose.
        const change = await s.rpc('apiServer.setRemote', { address: null });
        expect(change.ok).toBe(false);
        // From this computer the page token still works.
        expect((await fetch(`${s.url}/v1/models`, { headers: { Authorization: `Bearer ${s.token}` } })).status).toBe(
          200,
        );
      } finally {
        s.proc.kill('SIGTERM');
      }
    },
  );
});

describe('Settings: let other computers use the API while the studio runs', () => {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

  it.skipIf(!lan)(
    'apiServer.setRemote opens a listener for other computers (keys only) and closes it again',
    async () => {
      const created = await server.rpc<{ key: string }>('apiKeys.create', { name: 'settings lan', scope: 'speech' });
      if (!created.ok) throw new Error(created.error.message);
      const before = await server.rpc<{ remote: boolean }>('apiServer.status', {});
      expect(before.ok && before.result.remote).toBe(false);
      const on = await server.rpc<{ remote: boolean; listen: string }>('apiServer.setRemote', { address: '0.0.0.0' });
      if (!on.ok) throw new Error(on.error.message);
      expect(on.result.remote).toBe(true);
      const port = Number(on.result.listen.split(':').pop());
      const base = `http://${lan}:${port}`;
      expect(
        (await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${created.result.key}` } })).status,
      ).toBe(200);
      expect((await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${server.token}` } })).status).toBe(
        401,
      );
      expect((await fetch(`${base}/`)).status).toBe(403);
      const off = await server.rpc<{ remote: boolean }>('apiServer.setRemote', { address: null });
      expect(off.ok && off.result.remote).toBe(false);
      await expect(fetch(`${base}/v1/models`)).rejects.toThrow();
      const bad = await server.rpc('apiServer.setRemote', { address: 'example.com' });
      expect(bad.ok).toBe(false);
    },
  );
});

describe('library voices on /v1', () => {
  it('a library voice is found by id and by name; without a cloning pack it is listed unavailable and refused with why', async () => {
    const ok = async <T>(m: string, p: unknown) => {
      const r = await server.rpc<T>(m, p);
      if (!r.ok) throw new Error(`${m}: ${r.error.message}`);
      return r.result;
    };
    await ok('vault.unlock', { passphrase: 'api test vault passphrase' });
    await ok('models.import', { path: path.resolve('../shared/models/silero-vad') });
    await expect
      .poll(
        async () =>
          (await ok<{ id: string; status: string }[]>('models.list', {})).find((p) => p.id === 'silero-vad')?.status,
        {
          timeout: 30_000,
        },
      )
      .toBe('installed');
    const voice = await ok<{ voiceId: string }>('library.import', {
      name: 'Narrator Nell',
      path: path.resolve('../shared/eval/speech/16k/ls_103-1240-0000.wav'),
      attest: { name: 'Test Operator', purpose: 'API tests' },
    });
    const list = (await (
      await fetch(`${server.url}/v1/audio/voices`, { headers: { Authorization: `Bearer ${server.token}` } })
    ).json()) as { data: { id: string; name: string; engine: string; available: boolean }[] };
    expect(list.data.find((v) => v.id === voice.voiceId)).toEqual(
      expect.objectContaining({ name: 'Narrator Nell', engine: 'library', available: false }),
    );
    for (const v of [voice.voiceId, 'narrator nell', { id: voice.voiceId }]) {
      const err = await client.audio.speech.create({ model: 'tts-1', voice: v as string, input: 'Hello.' }).then(
        () => null,
        (e: unknown) => e,
      );
      const e = err as InstanceType<typeof OpenAI.APIError>;
      expect(e.status, JSON.stringify(v)).toBe(400); // found (not 404 voice_not_found), but it cannot speak yet
      expect(e.message).toMatch(/Narrator Nell.*cloning model pack/);
    }
  });
});
