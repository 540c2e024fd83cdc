import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createCore, type Core } from '../../main/node/core.js';
import { ModelsService } from '../../main/node/models-service.js';
import { PackManager } from '../../native-models/packs/index.js';
import type { PackManifest } from '../../native-models/catalog/schema.js';
import type { EventName, ModelPack, ModelProgress } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('models API', () => {
  it('imports the real Silero VAD pack from a folder, lists, verifies and removes it', async () => {
    const t = tempDir();
    const core: Core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
    cleanups.push(t.cleanup, () => core.close());
    const events: { event: EventName; payload: unknown }[] = [];
    core.subscribe((event, payload) => events.push({ event, payload }));

    const before = await core.dispatch('models.list', {});
    expect(before.ok && (before.result as ModelPack[]).map((p) => p.id)).toEqual(
      expect.arrayContaining(['pocket-tts', 'silero-vad', 'gtcrn']),
    );
    const imported = await core.dispatch('models.import', { path: path.resolve('../shared/models/silero-vad') });
    expect(imported.ok, JSON.stringify(imported)).toBe(true);
    expect((imported as { result: ModelPack }).result.status).toBe('installed');
    expect(events.some((e) => e.event === 'model.updated')).toBe(true);
    expect(events.some((e) => e.event === 'model.progress')).toBe(true);

    const verified = await core.dispatch('models.verify', { id: 'silero-vad' });
    expect(verified).toMatchObject({ ok: true, result: { ok: true } });
    const removed = await core.dispatch('models.remove', { id: 'silero-vad' });
    expect((removed as { result: ModelPack }).result.status).toBe('not-installed');
    const unknown = await core.dispatch('models.verify', { id: 'no-such-pack' });
    expect(unknown.ok || unknown.error.code).toBe('NOT_FOUND');
    const notAPack = await core.dispatch('models.import', { path: path.resolve('../shared/eval') });
    expect(notAPack.ok).toBe(false);
    const termsFirst = await core.dispatch('models.download', { id: 'pocket-tts' });
    expect(termsFirst.ok || termsFirst.error.message).toMatch(/accept its terms/);
  });

  it('downloads in the background with progress events, and cancels', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const body = randomBytes(3 * 1024 * 1024);
    let slow = false;
    const server = http.createServer((req, res) => {
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(start ? 206 : 200, { 'Content-Length': body.length - start, 'Accept-Ranges': 'bytes' });
      // Trickle the bytes so that there is time to cancel.
      let off = start;
      const tick = () => {
        if (off >= body.length || res.destroyed) return void res.end();
        res.write(body.subarray(off, off + 64 * 1024));
        off += 64 * 1024;
        setTimeout(tick, slow ? 50 : 0);
      };
      tick();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.onnx`;
    const manifest: PackManifest = {
      id: 'test-pack',
      version: '1',
      name: 'Test pack',
      kind: 'vad',
      capabilities: { cloning: false, presetVoices: [], languages: ['mul'] },
      files: [{ path: 'model.onnx', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), url }],
      licence: { id: 'MIT', text: 'MIT' },
      requiresTermsAcceptance: false,
    };
    const events: { event: string; payload: unknown }[] = [];
    let changed = 0;
    const svc = new ModelsService(
      t.dir,
      (event, payload) => events.push({ event, payload }),
      () => changed++,
      new PackManager({ dataDir: t.dir, catalog: [manifest], progressIntervalMs: 10 }),
    );

    const settled = () =>
      new Promise<{ pack: ModelPack; error: unknown }>((resolve) => {
        const timer = setInterval(() => {
          const e = events.find((x) => x.event === 'model.updated');
          if (e) {
            clearInterval(timer);
            events.splice(events.indexOf(e), 1);
            resolve(e.payload as { pack: ModelPack; error: unknown });
          }
        }, 10);
      });

    slow = true;
    const started = await svc.download('test-pack', false);
    expect(started.busy).toBe(true);
    await expect(svc.download('test-pack', false)).rejects.toThrow(/already being downloaded/);
    await new Promise((r) => setTimeout(r, 200));
    await svc.cancel('test-pack');
    const cancelled = await settled();
    expect((cancelled.error as { code: string }).code).toBe('CANCELLED');
    expect(cancelled.pack.status).not.toBe('installed');
    expect(changed).toBe(0);

    slow = false;
    await svc.download('test-pack', false);
    const done = await settled();
    expect(done.error).toBeNull();
    expect(done.pack.status).toBe('installed');
    expect(done.pack.busy).toBe(false);
    expect(changed).toBe(1);
    const progress = events.filter((e) => e.event === 'model.progress').map((e) => e.payload as ModelProgress);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)!.bytesTotal).toBe(body.length);
  });
});
