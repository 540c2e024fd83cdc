/**
 * Fuzz targets for the RPC boundary: arbitrary values as method and params (prototype-pollution keys, deep nesting,
 * huge strings, wrong types, real method names with near-valid params) sent
 *
 * - in process to `core.dispatch` of a real core on a temp data folder (what Electron IPC reaches), and
 * - as HTTP bodies to `/api/rpc` of a real `timbre serve` process (a smaller set: each call is a real request).
 *
 * Every reply must be `{ ok: true, result }` or `{ ok: false, error: { code, message } }` with a code from the
 * contract and never INTERNAL; dispatch never throws; nothing is added to Object.prototype; the core and the server
 * keep answering good calls.
 *
 * Left out of the method pool, because a valid call reaches outside the temp data folder: recorder.start (the
 * microphone), models.download (the network), models.import and library.export (arbitrary paths on disk).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ErrorCode, methods } from '../../preload/contract/index.js';
import { createCore, type Core } from '../../main/node/core.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { withinTimeAsync, type FuzzTarget } from './harness.js';

const UNSAFE = new Set(['recorder.start', 'models.download', 'models.import', 'library.export']);
const METHODS = Object.keys(methods).filter((m) => !UNSAFE.has(m));
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const PARAM_KEYS = [
  'id',
  'ids',
  'name',
  'projectId',
  'lineIds',
  'text',
  'format',
  'source',
  'mode',
  'path',
  'fileName',
  'base64',
  'options',
  'voiceId',
  'entries',
  'speakers',
  'passphrase',
  'engineId',
  'at',
  'index',
  'speed',
  'seed',
  'stagingId',
  'outputPath',
  'musicBed',
  'window',
  'uploadId',
  'language',
  'tags',
  'consent',
  ...PROTO_KEYS,
];

const HUGE = 'x'.repeat(6 * 1024 * 1024);

/** Nested arrays or objects `depth` deep (reported by fast-check as `nested(depth)`, not printed out). */
const nested = (depth: number, obj: boolean): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = obj ? { a: v } : [v];
  Object.defineProperty(v, fc.toStringMethod, { value: () => `nested(${depth}, ${obj ? 'objects' : 'arrays'})` });
  return v;
};

/** Values of every JSON type plus the shapes that break naive code. */
function values(idPool: () => string[], huge: boolean): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(-1, 0, 1.5, 1e308, -1e308, 2 ** 53, '', ' ', '\u0000', '../../etc/passwd', '/dev/zero', 'NaN'),
    fc.constant(null).map(() => idPool()[0] ?? 'missing'),
    fc.string({ maxLength: 30, unit: 'binary' }),
  );
  const shapes: fc.Arbitrary<unknown>[] = [
    leaf,
    fc.integer({ min: 100, max: 3000 }).chain((d) => fc.boolean().map((o) => nested(d, o))),
    fc.dictionary(fc.constantFrom(...PARAM_KEYS), leaf, { maxKeys: 5 }),
  ];
  if (huge) shapes.push(fc.constant(HUGE));
  return fc.oneof(...shapes);
}

/** Params: any value, or an object of plausible keys (prototype keys included, as own properties). */
function params(idPool: () => string[], huge: boolean): fc.Arbitrary<unknown> {
  const v = values(idPool, huge);
  return fc.oneof(
    v,
    fc
      .array(
        fc.tuple(
          fc.constantFrom(...PARAM_KEYS),
          fc.oneof(v, fc.dictionary(fc.constantFrom(...PARAM_KEYS), v, { maxKeys: 3 })),
        ),
        { maxLength: 5 },
      )
      .map((entries) => {
        const o: Record<string, unknown> = {};
        // defineProperty: `__proto__` becomes an own key, as JSON.parse makes it.
        for (const [k, val] of entries)
          Object.defineProperty(o, k, { value: val, enumerable: true, writable: true, configurable: true });
        return o;
      }),
  );
}

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, 'projects.__proto__', '', ' app.info', 'APP.INFO') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constant(null).map(() => nested(2000, false)) },
);

/** In process only (Electron's structured clone can carry them, JSON cannot): cycles and very deep nesting. */
const inProcessOnly = fc.constantFrom('cycle', 'deep').map((kind) => {
  if (kind === 'deep') return nested(200_000, false);
  const o: Record<string, unknown> = { name: 'x' };
  o.self = o;
  Object.defineProperty(o, fc.toStringMethod, { value: () => 'cyclic' });
  return o;
});

const CODES = new Set<string>(ErrorCode.options);

/** A reply is one of the two documented shapes; errors carry a contract code (never INTERNAL) and a message. */
export function checkReply(reply: unknown, what: string): void {
  expect(reply !== null && typeof reply === 'object', `${what}: reply ${String(reply)}`).toBe(true);
  const r = reply as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok === true) {
    expect('result' in r).toBe(true);
    return;
  }
  expect(r.ok, `${what}: ${JSON.stringify(reply).slice(0, 300)}`).toBe(false);
  expect(CODES.has(String(r.error?.code)), `${what}: error code ${String(r.error?.code)}`).toBe(true);
  expect(typeof r.error?.message === 'string' && r.error.message.length > 0).toBe(true);
  expect(r.error?.code, `${what}: internal error: ${String(r.error?.message)}`).not.toBe('INTERNAL');
}

const describeCall = (m: unknown, p: unknown) => {
  let s: string;
  try {
    s = JSON.stringify(p) ?? String(p);
  } catch {
    s = `(${typeof p} that JSON cannot write)`;
  }
  return `${typeof m === 'string' ? m : typeof m}(${s.length > 200 ? `${s.slice(0, 200)}… ${s.length} chars` : s})`;
};

export interface RpcGroup {
  targets: FuzzTarget[];
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

export function rpcGroup(): RpcGroup {
  let core: Core | undefined;
  let server: ServerProcess | undefined;
  const internal: string[] = [];
  const cleanups: (() => void)[] = [];
  const ids: string[] = [];
  const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  const checkInvariants = async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const info = await core!.dispatch('app.info', {});
    expect(info.ok).toBe(true);
  };

  return {
    async setup() {
      const t = tempDir('timbre-fuzz-rpc-');
      cleanups.push(t.cleanup);
      core = await createCore({
        dataDir: t.dir,
        transport: 'web',
        version: 'fuzz',
        log: (m) => internal.push(m),
      });
      const p = await core.dispatch('projects.create', { name: 'Fuzz' });
      if (p.ok) ids.push((p.result as { id: string }).id);
      const s = tempDir('timbre-fuzz-serve-');
      cleanups.push(s.cleanup);
      server = await startServer(s.dir);
    },
    async teardown() {
      server?.proc.kill('SIGKILL');
      await core?.close();
      for (const c of cleanups) c();
    },
    targets: [
      {
        name: 'rpc: core.dispatch with arbitrary method and params',
        ciRuns: 300,
        ciMs: 3000,
        property: () =>
          fc.asyncProperty(
            fc.oneof({ weight: 9, arbitrary: method }, { weight: 1, arbitrary: inProcessOnly }),
            fc.oneof({ weight: 9, arbitrary: params(() => ids, true) }, { weight: 1, arbitrary: inProcessOnly }),
            async (m, p) => {
              const what = describeCall(m, p);
              let reply: unknown;
              try {
                reply = await withinTimeAsync(10_000, () => core!.dispatch(m, p));
              } catch (err) {
                throw new Error(`dispatch threw on ${what}: ${(err as Error).message}`);
              }
              checkReply(reply, what);
              await checkInvariants();
            },
          ),
      },
      {
        name: 'rpc: HTTP /api/rpc of a real server with arbitrary bodies',
        ciRuns: 60,
        ciMs: 3000,
        weight: 0.5,
        property: () =>
          fc.asyncProperty(
            fc.oneof(
              {
                weight: 4,
                arbitrary: fc
                  .tuple(
                    method,
                    params(() => [], false),
                  )
                  .map(([m, p]) => JSON.stringify({ method: m, params: p })),
              },
              { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
              { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
              {
                weight: 1,
                arbitrary: fc.constantFrom(
                  '{"method":"app.info","params":{"__proto__":{"polluted":1}}}',
                  '{"__proto__":{"method":"app.info"}}',
                  '[]',
                  'null',
                  '{',
                  `{"method":"script.preview","params":{"text":"${'a'.repeat(3_000_000)}"}}`,
                ),
              },
            ),
            async (body) => {
              const what = `POST /api/rpc ${body.length > 200 ? `${body.slice(0, 200)}… ${body.length} chars` : body}`;
              const res = await withinTimeAsync(15_000, () =>
                fetch(`${server!.url}/api/rpc`, {
                  method: 'POST',
                  headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server!.token}` },
                  body,
                }),
              );
              expect(res.status, what).toBeLessThan(500);
              const text = await res.text();
              let reply: unknown;
              try {
                reply = JSON.parse(text);
              } catch {
                throw new Error(`${what}: the reply is not JSON: ${text.slice(0, 200)}`);
              }
              checkReply(reply, what);
              expect(server!.proc.exitCode, `${what}: the server exited`).toBeNull();
              const ok = await server!.rpc('app.info', {});
              expect(ok.ok, `${what}: the server stopped answering`).toBe(true);
            },
          ),
      },
    ],
  };
}
