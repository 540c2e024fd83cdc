/**
 * The privacy center (issue #13) over the real core: the append-only ledger (its triggers refuse UPDATE/DELETE) and
 * the events real actions record (generation with the real eSpeak worker, staging a real file, API key calls, a real
 * HTTP download through the ledgered fetch); what Timbre holds; retention with an injected clock (advanced, never
 * slept) and a managed policy; export everything and import it into an empty data folder (projects, lines, takes,
 * voices and consent records equal); erase everything, with a scan of the raw database and -wal bytes.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import yazl from 'yazl';
import { pipeline } from 'node:stream/promises';
import { createCore, type Core } from '../../main/node/core.js';
import { resetPolicyCache } from '../../main/node/policy/policy.js';
import { ledgeredFetch, type LedgerSink } from '../../main/node/privacy/ledger.js';
import { walk, WalkBudget } from '../../main/node/privacy/holdings.js';
import type {
  ArchiveCounts,
  EraseReport,
  LedgerPage,
  LibraryVoice,
  PrivacyReport,
  RetentionInfo,
  StagedAudio,
  SweepReport,
} from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
import { SHARED_MODELS, SPEECH_16K, call, callError } from '../helpers/voices.js';

beforeAll(() => {
  execFileSync(process.execPath, ['build/scripts/build.mjs', '--node', '--if-stale'], { stdio: 'ignore' });
});

let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  delete process.env.TIMBRE_POLICY_FILE;
  resetPolicyCache();
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const SPEECH = path.join(SPEECH_16K, 'ls_1688-142285-0000.wav');

/** A core on a fresh data folder with a clock the test moves. */
async function open(dir?: string): Promise<{ core: Core; dir: string; clock: { now: number } }> {
  if (!dir) {
    const t = tempDir();
    cleanups.push(t.cleanup);
    dir = t.dir;
  }
  const clock = { now: Date.now() };
  const core = await createCore({ dataDir: dir, transport: 'web', version: 'test', clock: () => clock.now });
  cleanups.push(() => core.close());
  return { core, dir, clock };
}

const ledger = (core: Core, kind?: string) =>
  call<LedgerPage>(core, 'privacy.ledger', { limit: 1000, ...(kind ? { kind } : {}) });

async function projectWithTakes(core: Core, texts: string[]) {
  const p = await call<{ id: string }>(core, 'projects.create', { name: 'Privacy show' });
  await call(core, 'projects.setVoice', { id: p.id, voiceId: 'espeak:en-us' });
  const lines: { id: string }[] = [];
  for (const text of texts) lines.push(await call<{ id: string }>(core, 'lines.add', { projectId: p.id, text }));
  await call(core, 'jobs.generate', { projectId: p.id });
  await core.jobs.idle();
  await core.qc.idle(); // each take's QC too: the archive carries it
  return { projectId: p.id, lineIds: lines.map((l) => l.id) };
}

describe('the privacy ledger', () => {
  it('is append-only: the database refuses UPDATE and DELETE of its rows', async () => {
    const { core, dir } = await open();
    core.ledger.record('file.imported', { kind: 'audio', bytes: 10 });
    const raw = new Database(path.join(dir, 'timbre.sqlite'));
    cleanups.push(() => raw.close());
    expect(() => raw.prepare("UPDATE privacy_ledger SET kind = 'x'").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM privacy_ledger').run()).toThrow(/append-only/);
    expect((await ledger(core)).total).toBe(1);
  });

  it('records a generation (model and ids, never the text), a staged file (size and type, not its name) and key calls', async () => {
    const { core } = await open();
    const secret = 'The treasure is buried under the old oak tree';
    const { projectId, lineIds } = await projectWithTakes(core, [secret]);
    // The generation, then take QC aligning the new take (newest first).
    const runs = (await ledger(core, 'model.run')).entries;
    expect(runs).toHaveLength(2);
    const take = core.repos.takes.listForLine(lineIds[0])[0];
    expect(runs[0].detail).toEqual({ engine: 'aligner', item: 'take', itemId: take.id, language: 'en' });
    expect(runs[1].detail).toMatchObject({
      engine: 'espeak',
      voice: 'espeak:en-us',
      item: 'line',
      lineId: lineIds[0],
      projectId,
    });

    await call(core, 'models.import', { path: path.join(SHARED_MODELS, 'silero-vad') });
    await call(core, 'vault.unlock', { passphrase: 'ledger test passphrase' });
    const staged = await call<StagedAudio>(core, 'voiceAudio.stage', { path: SPEECH });
    await call(core, 'voiceAudio.clean', { stagingId: staged.stagingId, trim: true, normalize: true, denoise: false });
    expect((await ledger(core, 'model.run')).entries[0].detail).toEqual({
      engine: 'silero-vad',
      item: 'staged',
      itemId: staged.stagingId,
    });
    const imports = (await ledger(core, 'file.imported')).entries.map((e) => e.detail);
    expect(imports).toContainEqual({
      kind: 'audio',
      how: 'file',
      bytes: statSync(SPEECH).size,
      type: 'wav',
      item: staged.stagingId,
    });
    expect(imports).toContainEqual(expect.objectContaining({ kind: 'model-pack', packId: 'silero-vad' }));

    const { apiKey } = await call<{ apiKey: { id: string } }>(core, 'apiKeys.create', {
      name: 'script',
      scope: 'speech',
    });
    core.apiKeys.record({
      at: new Date().toISOString(),
      keyId: apiKey.id,
      keyName: 'script',
      method: 'POST',
      path: '/v1/audio/speech',
      status: 200,
      ms: 5,
      remote: '127.0.0.1',
    });
    expect((await ledger(core, 'api.call')).entries[0].detail).toEqual({
      keyId: apiKey.id,
      method: 'POST',
      path: '/v1/audio/speech',
      status: 200,
    });

    // Nothing in the ledger carries the line's text or the file's name.
    const all = JSON.stringify((await ledger(core)).entries);
    expect(all).not.toContain('treasure');
    expect(all).not.toContain(path.basename(SPEECH));

    // Exported as JSON: every entry, in order.
    const out = path.join(path.dirname(core.dataDir), `${path.basename(core.dataDir)}-ledger.json`);
    cleanups.push(() => existsSync(out) && execFileSync('rm', ['-f', out]));
    const r = await call<{ entries: number }>(core, 'privacy.exportLedger', { path: out });
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { id: number; kind: string }[];
    expect(exported.length).toBe(r.entries);
    expect(exported.map((e) => e.kind)).toEqual(expect.arrayContaining(['model.run', 'file.imported', 'api.call']));
  });

  it('records a real HTTP download: host, bytes received and why', async () => {
    const body = Buffer.alloc(123_457, 7);
    const server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const seen: { kind: string; detail: unknown }[] = [];
    const sink: LedgerSink = { record: (kind, detail) => seen.push({ kind, detail }) };
    const res = await ledgeredFetch(sink, 'user-asked download')(`http://127.0.0.1:${port}/packs/x.onnx?token=abc`);
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(body.length);
    expect(seen).toEqual([
      {
        kind: 'network.request',
        detail: { host: `127.0.0.1:${port}`, why: 'user-asked download', bytes: body.length, status: 200 },
      },
    ]);
  });
});

describe('network requests in the ledger', () => {
  it('a real pack download (from a mirror the policy names) records each request: host, bytes, why', async () => {
    const served: { url: string; bytes: number }[] = [];
    const mirror = createServer((req, res) => {
      const m = /^\/packs\/silero-vad\/(silero_vad\.onnx|LICENSE)$/.exec(req.url!);
      if (!m) return void res.writeHead(404).end();
      const body = readFileSync(path.join(SHARED_MODELS, 'silero-vad', m[1]));
      served.push({ url: req.url!, bytes: body.length });
      res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => mirror.close(r)));
    const port = (mirror.address() as AddressInfo).port;
    const t = tempDir();
    cleanups.push(t.cleanup);
    const policy = path.join(t.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ packMirrorUrl: `http://127.0.0.1:${port}/packs/` }));
    process.env.TIMBRE_POLICY_FILE = policy;
    resetPolicyCache();
    const { core } = await open(path.join(t.dir, 'data'));
    const done = new Promise<void>((resolve) =>
      core.subscribe((event, payload) => {
        if (event === 'model.updated' && (payload as { pack: { status: string } }).pack?.status === 'installed')
          resolve();
      }),
    );
    await call(core, 'models.download', { id: 'silero-vad', acceptTerms: true });
    await done;
    const requests = (await ledger(core, 'network.request')).entries.map((e) => e.detail).reverse();
    expect(served.length).toBeGreaterThan(0);
    expect(requests).toEqual(
      served.map((s) => ({ host: `127.0.0.1:${port}`, why: 'user-asked download', bytes: s.bytes, status: 200 })),
    );
  });
});

describe('what Timbre holds', () => {
  it('counts and sizes each kind from the database and the data folder', async () => {
    const { core, dir } = await open();
    await projectWithTakes(core, ['One.', 'Two.']);
    const r = await call<PrivacyReport>(core, 'privacy.report');
    const by = Object.fromEntries(r.holdings.map((h) => [h.kind, h]));
    expect(by.projects.count).toBe(1);
    expect(by.takes.count).toBe(2);
    const takeBytes = readdirSync(path.join(dir, 'takes'), { recursive: true })
      .map((f) => path.join(dir, 'takes', String(f)))
      .filter((f) => statSync(f).isFile())
      .reduce((n, f) => n + statSync(f).size, 0);
    expect(by.takes.bytes).toBe(takeBytes);
    expect(by.takes.location).toBe(path.join(dir, 'takes'));
    expect(by.voices.count).toBe(0);
    expect(by.logs.count).toBeGreaterThan(0); // the ledger's own entries
    expect(r.truncated).toBe(false);
    expect(r.retention.stagedUploadsHours).toEqual({ value: 24, fixedByPolicy: false });
  });
});

describe('the holdings walk', () => {
  it('stops at its budget and says so, and does not follow links', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    mkdirSync(path.join(t.dir, 'a', 'b'), { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(path.join(t.dir, 'a', 'b', `f${i}`), Buffer.alloc(10));
    symlinkSync('/usr', path.join(t.dir, 'a', 'link'));
    const all = new WalkBudget();
    expect(walk(t.dir, all)).toEqual({ files: 30, bytes: 300 });
    expect(all.truncated).toBe(false);
    const small = new WalkBudget(12);
    const w = walk(t.dir, small);
    expect(small.truncated).toBe(true);
    expect(w.files).toBeLessThanOrEqual(12);
  });
});

describe('retention', () => {
  it('deletes staged uploads at 24 h and old inactive takes as set, and the ledger says so', async () => {
    const { core, dir, clock } = await open();
    await call(core, 'models.import', { path: path.join(SHARED_MODELS, 'silero-vad') });
    await call(core, 'vault.unlock', { passphrase: 'retention test passphrase' });
    const staged = await call<StagedAudio>(core, 'voiceAudio.stage', { path: SPEECH });
    const { lineIds } = await projectWithTakes(core, ['Retained line.']);
    const first = core.repos.takes.listForLine(lineIds[0])[0];
    const firstFile = core.takeFilePath(first.id);
    await call(core, 'jobs.generate', { projectId: first.projectId, lineIds });
    await core.jobs.idle();
    expect(core.repos.takes.listForLine(lineIds[0])).toHaveLength(2);

    // 23 h later nothing goes.
    clock.now += 23 * HOUR;
    expect((await call<SweepReport>(core, 'privacy.sweep')).deleted).toEqual([]);
    expect(existsSync(path.join(dir, 'staging', `${staged.stagingId}.enc`))).toBe(true);

    // 25 h: the staged item is gone.
    clock.now += 2 * HOUR;
    const r = await call<SweepReport>(core, 'privacy.sweep');
    expect(r.deleted).toEqual([expect.objectContaining({ kind: 'staged-uploads', count: 1 })]);
    expect(existsSync(path.join(dir, 'staging', `${staged.stagingId}.enc`))).toBe(false);

    // Inactive takes after 7 days (the user's choice): the old take goes, the active one stays.
    await call<RetentionInfo>(core, 'privacy.setRetention', { inactiveTakesDays: 7 });
    clock.now += 7 * DAY;
    const r2 = await call<SweepReport>(core, 'privacy.sweep');
    expect(r2.deleted).toEqual([expect.objectContaining({ kind: 'inactive-takes', count: 1 })]);
    const left = core.repos.takes.listForLine(lineIds[0]);
    expect(left).toHaveLength(1);
    expect(left[0].id).not.toBe(first.id);
    expect(existsSync(firstFile)).toBe(false);

    const events = (await ledger(core, 'retention.deleted')).entries.map((e) => e.detail);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'staged-uploads', count: 1 }),
        expect.objectContaining({ kind: 'inactive-takes', count: 1 }),
      ]),
    );
  });

  it('a managed policy wins: its limit applies, and the user cannot change it', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const policy = path.join(t.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ retention: { stagedUploadsHours: 1, exportsDays: 2 } }));
    process.env.TIMBRE_POLICY_FILE = policy;
    resetPolicyCache();
    const { core, dir, clock } = await open(path.join(t.dir, 'data'));
    const info = (await call<PrivacyReport>(core, 'privacy.report')).retention;
    expect(info.stagedUploadsHours).toEqual({ value: 1, fixedByPolicy: true });
    expect(info.exportsDays).toEqual({ value: 2, fixedByPolicy: true });
    const e = await callError(core, 'privacy.setRetention', { exportsDays: 30 });
    expect(e.code).toBe('FORBIDDEN');
    expect(e.message).toMatch(/set by your organization/);
    // An uploaded voice file (imported media) older than the policy's hour is gone; an old export in the data
    // folder too.
    const up = path.join(dir, 'staging', 'upl_test.upload');
    writeFileSync(up, Buffer.alloc(1000, 1));
    mkdirSync(path.join(dir, 'exports'));
    const exp = path.join(dir, 'exports', 'old.timbrevoice');
    writeFileSync(exp, Buffer.alloc(500, 2));
    const past = new Date(clock.now - 3 * DAY);
    utimesSync(exp, past, past);
    clock.now += 2 * HOUR;
    const r = await call<SweepReport>(core, 'privacy.sweep');
    expect(r.deleted).toEqual(
      expect.arrayContaining([
        { kind: 'imported-media', count: 1, bytes: 1000, rule: 'older than 1 h (policy)' },
        { kind: 'exports', count: 1, bytes: 500, rule: 'older than 2 days (policy)' },
      ]),
    );
    expect(existsSync(up)).toBe(false);
    expect(existsSync(exp)).toBe(false);
  });
});

describe('export everything, import into an empty data folder, erase', () => {
  it('round-trips projects, lines, takes, voices and consent records', async () => {
    const a = await open();
    await call(a.core, 'models.import', { path: path.join(SHARED_MODELS, 'silero-vad') });
    await call(a.core, 'vault.unlock', { passphrase: 'archive source passphrase' });
    const voice = await call<LibraryVoice>(a.core, 'library.import', {
      name: 'Narrator',
      path: SPEECH,
      tags: ['warm'],
      attest: { name: 'Alex Reader', purpose: 'Narration of my own books' },
    });
    const { projectId, lineIds } = await projectWithTakes(a.core, ['First line of the show.', 'Second line.']);
    await call(a.core, 'lines.update', { id: lineIds[1], voiceId: voice.voiceId });
    const t = tempDir();
    cleanups.push(t.cleanup);
    const archive = path.join(t.dir, 'everything.zip');
    const ex = await call<{ counts: ArchiveCounts; bytes: number }>(a.core, 'privacy.export', {
      path: archive,
      passphrase: 'archive passphrase 1',
    });
    expect(ex.counts).toEqual({ projects: 1, lines: 2, takes: 2, voices: 1, consentRecords: 1 });

    const b = await open(path.join(t.dir, 'restored'));
    await call(b.core, 'vault.unlock', { passphrase: 'archive target passphrase' });
    const wrong = await callError(b.core, 'privacy.import', { path: archive, passphrase: 'not the passphrase' });
    expect(wrong.code).toBe('INVALID_INPUT');
    expect(readdirSync(path.join(b.dir, 'voices'))).toEqual([]);
    const im = await call<{ counts: ArchiveCounts }>(b.core, 'privacy.import', {
      path: archive,
      passphrase: 'archive passphrase 1',
    });
    expect(im.counts).toEqual(ex.counts);

    type Detail = {
      project: { name: string };
      lines: { id: string; text: string; voiceId: string | null; activeTake: { id: string } | null }[];
    };
    const pa = await call<Detail>(a.core, 'projects.get', { id: projectId });
    const pb = await call<Detail>(b.core, 'projects.get', { id: projectId });
    const [va] = await call<LibraryVoice[]>(a.core, 'library.list');
    const [vb] = await call<LibraryVoice[]>(b.core, 'library.list');
    // The voice has a new id in the new folder; the line that used it follows.
    expect(pb.lines[1].voiceId).toBe(vb.voiceId);
    const norm = (d: Detail, v: LibraryVoice) =>
      JSON.parse(JSON.stringify(d).split(v.voiceId).join('VOICE')) as unknown;
    expect(norm(pb, vb)).toEqual(norm(pa, va));
    const strip = (v: LibraryVoice) => JSON.parse(JSON.stringify(v).split(v.id).join('ID')) as Record<string, unknown>;
    const sa = strip(va);
    const sb = strip(vb);
    for (const s of [sa, sb]) {
      delete s.updatedAt;
      for (const smp of s.samples as Record<string, unknown>[]) {
        delete smp.id;
        delete smp.addedAt;
      }
    }
    expect(sb).toEqual(sa);
    for (const l of pa.lines) {
      const fa = readFileSync(a.core.takeFilePath(l.activeTake!.id));
      expect(readFileSync(b.core.takeFilePath(l.activeTake!.id)).equals(fa)).toBe(true);
    }
    // A second import into the now non-empty folder is refused and changes nothing.
    const again = await callError(b.core, 'privacy.import', { path: archive, passphrase: 'archive passphrase 1' });
    expect(again.code).toBe('CONFLICT');
    expect(await call<LibraryVoice[]>(b.core, 'library.list')).toHaveLength(1);
  });

  it('refuses a damaged archive and leaves the empty data folder as it was', async () => {
    const { core, dir } = await open();
    const t = tempDir();
    cleanups.push(t.cleanup);
    const junk = path.join(t.dir, 'junk.zip');
    writeFileSync(junk, Buffer.from('PK\u0003\u0004 not really a zip'));
    const e = await callError(core, 'privacy.import', { path: junk, passphrase: 'whatever passphrase' });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/not a Timbre archive.*Nothing was changed/);
    expect(readdirSync(dir).filter((n) => n.startsWith('.privacy'))).toEqual([]);
    expect(core.repos.projects.list()).toEqual([]);
  });

  it('refuses hostile archives (unexpected entries, a take naming a file outside its project, a wrong format) and changes nothing', async () => {
    const { core, dir } = await open();
    const t = tempDir();
    cleanups.push(t.cleanup);
    const manifest = { format: 'timbre-archive', version: 1 };
    const project = (takeFile: string) => ({
      projects: [{ id: 'prj_a', name: 'Evil', created_at: 'x', updated_at: 'x' }],
      lines: [],
      takes: [{ id: 'take_a', line_id: 'l', project_id: 'prj_a', file: takeFile }],
      take_analysis: [],
      take_qc: [],
    });
    const cases: [string, [string, unknown][], RegExp][] = [
      ['format.zip', [['manifest.json', { format: 'other', version: 1 }]], /not a Timbre archive manifest/],
      ['order.zip', [['settings.json', []]], /does not start with manifest\.json/],
      [
        'extra.zip',
        [
          ['manifest.json', manifest],
          ['projects/prj_a/other/x.wav', 'x'],
        ],
        /unexpected entry projects\/prj_a\/other\/x\.wav/,
      ],
      [
        'escape.zip',
        [
          ['manifest.json', manifest],
          ['projects/prj_a/project.json', project('../../vault.json')],
        ],
        /names the file "\.\.\/\.\.\/vault\.json"/,
      ],
      [
        'missing.zip',
        [
          ['manifest.json', manifest],
          ['projects/prj_a/project.json', project('prj_a/take_a.wav')],
        ],
        /the audio of take take_a is missing/,
      ],
    ];
    for (const [name, entries, why] of cases) {
      const zip = new yazl.ZipFile();
      for (const [n, v] of entries) zip.addBuffer(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), n);
      zip.end();
      const file = path.join(t.dir, name);
      await pipeline(zip.outputStream, createWriteStream(file));
      const e = await callError(core, 'privacy.import', { path: file, passphrase: 'whatever passphrase' });
      expect(e.code, name).toBe('INVALID_INPUT');
      expect(e.message, name).toMatch(why);
      expect(e.message, name).toMatch(/Nothing was changed/);
    }
    expect(core.repos.projects.list()).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith('.privacy'))).toEqual([]);
    expect(readdirSync(path.join(dir, 'takes'))).toEqual([]);
  });

  it('erase leaves no file, no row and no line text in the database file or its -wal', async () => {
    const { core, dir } = await open();
    const secret = 'Zanzibar marmalade quartet';
    await projectWithTakes(core, [secret, `${secret} again`]);
    writeFileSync(path.join(dir, 'exports-note.txt'), secret);
    const scan = () =>
      ['timbre.sqlite', 'timbre.sqlite-wal']
        .map((f) => path.join(dir, f))
        .filter(existsSync)
        .some((f) => readFileSync(f).includes(Buffer.from(secret)));
    // The text is really in the database's bytes before.
    expect(scan()).toBe(true);
    const r = await call<EraseReport>(core, 'privacy.erase', { confirm: 'ERASE EVERYTHING' });
    expect(r.rows.lines).toBe(2);
    expect(r.rows.takes).toBe(2);
    expect(r.filesRemoved).toBeGreaterThanOrEqual(3);
    expect(scan()).toBe(false);
    const files = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => statSync(path.join(dir, f)).isFile());
    expect(files.filter((f) => !f.startsWith('timbre.sqlite'))).toEqual([]);
    const raw = new Database(path.join(dir, 'timbre.sqlite'), { readonly: true });
    cleanups.push(() => raw.close());
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare('SELECT count(*) AS n FROM lines').get()).toEqual({ n: 0 });
    const left = raw.prepare('SELECT kind FROM privacy_ledger').all();
    expect(left).toEqual([{ kind: 'data.erased' }]);
    // The core goes on working on the emptied folder.
    const p = await call<{ id: string }>(core, 'projects.create', { name: 'After' });
    expect(p.id).toBeTruthy();
  });

  it('the confirmation must be typed exactly', async () => {
    const { core } = await open();
    const e = await callError(core, 'privacy.erase', { confirm: 'yes' });
    expect(e.code).toBe('INVALID_INPUT');
  });
});
