import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseExecutionProviders,
  detectExecutionProviders,
  threadCounts,
} from '../../native-models/onnx/providers.js';
import { SessionCache } from '../../native-models/onnx/session-cache.js';
import { createSessionWithFallback, signatureMismatches, ort } from '../../native-models/onnx/session.js';
import { SILERO_VAD_SIGNATURE } from '../../native-models/vad/silero-vad.js';

const VAD = path.resolve('../shared/models/silero-vad/silero_vad.onnx');
const GTCRN = path.resolve('../shared/models/gtcrn/gtcrn.onnx');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('execution providers', () => {
  const all = [
    { name: 'cpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'dml', bundled: true },
    { name: 'coreml', bundled: true },
    { name: 'webgpu', bundled: true },
  ];
  it('picks the platform providers the binding lists, CPU last', () => {
    expect(detectExecutionProviders('linux', all).map((p) => p.name)).toEqual(['cuda', 'cpu']);
    expect(detectExecutionProviders('win32', all).map((p) => p.name)).toEqual(['cuda', 'dml', 'cpu']);
    expect(detectExecutionProviders('darwin', all).map((p) => p.name)).toEqual(['coreml', 'cpu']);
    expect(detectExecutionProviders('win32', [{ name: 'cpu', bundled: true }]).map((p) => p.name)).toEqual(['cpu']);
    // This machine: whatever the real binding lists, CPU is there.
    expect(detectExecutionProviders().at(-1)).toEqual({ name: 'cpu', bundled: true });
  });
  it('auto prefers a bundled accelerator; explicit choices are kept with CPU behind them', () => {
    expect(chooseExecutionProviders('auto', detectExecutionProviders('win32', all))).toEqual(['dml', 'cpu']);
    expect(chooseExecutionProviders('auto', detectExecutionProviders('linux', all))).toEqual(['cpu']);
    expect(chooseExecutionProviders('cuda', [])).toEqual(['cuda', 'cpu']);
    expect(chooseExecutionProviders('cpu')).toEqual(['cpu']);
  });
  it('thread counts default to cores - 1 and are clamped', () => {
    expect(threadCounts({}, 8)).toEqual({ intraOpThreads: 7, interOpThreads: 1 });
    expect(threadCounts({}, 1)).toEqual({ intraOpThreads: 1, interOpThreads: 1 });
    expect(threadCounts({ intraOpThreads: 64, interOpThreads: 0 }, 4)).toEqual({
      intraOpThreads: 4,
      interOpThreads: 1,
    });
  });
});

describe('createSessionWithFallback', () => {
  it('a provider that does not exist here falls back to CPU with a notice', async () => {
    const r = await createSessionWithFallback(VAD, { executionProviders: ['nosuch-ep', 'cpu'] });
    expect(r.provider).toBe('cpu');
    expect(r.notice).toMatch(/nosuch-ep acceleration is not available .*running on the CPU instead/);
    expect(r.session.inputNames).toContain('input');
    await r.session.release();
  });
  it('a listed provider that cannot start here (CUDA without its libraries or GPU) falls back too', async () => {
    const listed = ort.listSupportedBackends().map((b) => b.name);
    if (!listed.includes('cuda')) return;
    const r = await createSessionWithFallback(VAD, { executionProviders: ['cuda', 'cpu'] });
    // On a machine with a working CUDA setup this runs on CUDA; here (no GPU) it must fall back with a notice.
    if (r.provider === 'cpu') expect(r.notice).toMatch(/^CUDA acceleration is not available/);
    else expect(r.notice).toBeUndefined();
    await r.session.release();
  });
  it('CPU needs no notice; a missing model file is an error, not a fallback', async () => {
    const r = await createSessionWithFallback(VAD);
    expect(r.provider).toBe('cpu');
    expect(r.notice).toBeUndefined();
    await r.session.release();
    await expect(
      createSessionWithFallback('/nonexistent/model.onnx', { executionProviders: ['nosuch-ep'] }),
    ).rejects.toThrow();
  });
  it('signature mismatches name the input', async () => {
    const r = await createSessionWithFallback(GTCRN);
    const problems = signatureMismatches(r.session, SILERO_VAD_SIGNATURE, 'gtcrn.onnx');
    expect(problems[0]).toBe('gtcrn.onnx: missing input "input" (has: mix, conv_cache, tra_cache, inter_cache)');
    await r.session.release();
  });
});

describe('SessionCache', () => {
  it('reuses a session for the same file + options and releases it after the idle timeout', async () => {
    const cache = new SessionCache({ idleMs: 150 });
    const a = await cache.acquire(VAD, { intraOpThreads: 1 });
    const b = await cache.acquire(VAD, { intraOpThreads: 1 });
    expect(b.session).toBe(a.session);
    const c = await cache.acquire(VAD, { intraOpThreads: 2 });
    expect(c.session).not.toBe(a.session);
    expect(cache.stats()).toMatchObject({ cached: 2, inUse: 2, created: 2 });
    a.release();
    b.release();
    c.release();
    // Used again before the timeout: same session, timer reset.
    await sleep(60);
    const d = await cache.acquire(VAD, { intraOpThreads: 1 });
    expect(d.session).toBe(a.session);
    d.release();
    await sleep(80);
    expect(cache.stats().cached).toBe(2);
    await sleep(200);
    expect(cache.stats()).toMatchObject({ cached: 0, inUse: 0, released: 2 });
    // A released session is gone: the next acquire loads a fresh one.
    const e = await cache.acquire(VAD, { intraOpThreads: 1 });
    expect(e.session).not.toBe(a.session);
    expect(cache.stats().created).toBe(3);
    e.release();
    await cache.clear();
  });
  it('never releases a session while it is leased', async () => {
    const cache = new SessionCache({ idleMs: 50 });
    const a = await cache.acquire(VAD);
    await sleep(150);
    expect(cache.stats()).toMatchObject({ cached: 1, inUse: 1, released: 0 });
    const probe = await a.session.run({
      input: new ort.Tensor('float32', new Float32Array(576), [1, 576]),
      state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
    });
    expect(probe.output.dims).toEqual([1, 1]);
    a.release();
    await sleep(150);
    expect(cache.stats()).toMatchObject({ cached: 0, released: 1 });
  });
  it('concurrent acquires share one load; a failed load is not cached', async () => {
    let loads = 0;
    const cache = new SessionCache({
      idleMs: 1000,
      create: async (file, opts) => {
        loads++;
        return createSessionWithFallback(file, opts);
      },
    });
    const [x, y] = await Promise.all([cache.acquire(VAD), cache.acquire(VAD)]);
    expect(loads).toBe(1);
    expect(x.session).toBe(y.session);
    await expect(cache.acquire('/nonexistent.onnx')).rejects.toThrow();
    await expect(cache.acquire('/nonexistent.onnx')).rejects.toThrow();
    expect(loads).toBe(3);
    x.release();
    y.release();
    await cache.clear();
  });
});
