/**
 * Export everything / import it back (issue #13, docs/privacy.md). One zip archive:
 *
 *   manifest.json                         format, version, when, what it holds (counts)
 *   settings.json                         the settings rows
 *   consent.json                          every voice's consent record (also inside each voice file)
 *   voices/<voice id>.timbrevoice         each voice sealed with the passphrase (voice-file.ts)
 *   projects/<project id>/project.json    the project's rows: project, lines, takes, take analyses
 *   projects/<project id>/takes/<file>    each take's WAV
 *   projects/<project id>/music/<file>    its music bed, covers/<file> its cover
 *
 * Written as a stream into a temporary file renamed into place (atomic; memory does not grow with the projects:
 * audio streams from disk, one project's rows and one voice at a time are held). Imported only into a data folder
 * that holds no project, take or voice (no merge: ids would collide and a half merge cannot be undone cleanly);
 * anything wrong in the archive stops the import before the database changes, and the files it wrote are removed.
 */
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, renameSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { ArchiveCounts } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import type { Db } from '../db/database.js';
import { openAtomicWriter } from '../atomic-fs.js';
import { readVoiceFileFrom, VOICE_FILE_MAX_BYTES } from '../voices/voice-file.js';

export const ARCHIVE_FORMAT = 'timbre-archive';
export const ARCHIVE_VERSION = 1;
/** Entries in one archive: projects × (1 + takes) + voices; 20,000 lines with a few takes each fit many times. */
export const ARCHIVE_MAX_ENTRIES = 1_000_000;
/** One project's rows as JSON (20,000 lines with their takes' rows and analyses are well under this). */
export const ARCHIVE_JSON_MAX_BYTES = 256 * 1024 * 1024;
/** One take, music bed or cover file (a take of 2 h at 48 kHz float is about 1.4 GB). */
export const ARCHIVE_FILE_MAX_BYTES = 4 * 1024 * 1024 * 1024;

/** The tables a project's rows come from, in insertion order (parents first). */
const PROJECT_TABLES = ['projects', 'lines', 'takes', 'take_analysis', 'take_qc'] as const;
type Row = Record<string, unknown>;

export interface ArchiveLibrary {
  voiceIds(): string[];
  exportTo(id: string, passphrase: string, target: string): Promise<{ path: string; bytes: number }>;
  importFrom(data: Buffer, passphrase: string, where: string): Promise<{ id: string }>;
  delete(id: string): void;
}

export interface ArchiveDeps {
  db: Db;
  root: string;
  library: ArchiveLibrary;
}

/** Blobs go into JSON as {"$base64": …}. */
const enc = (r: Row): Row =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? { $base64: v.toString('base64') } : v]),
  );
const dec = (v: unknown): unknown =>
  v && typeof v === 'object' && typeof (v as { $base64?: unknown }).$base64 === 'string'
    ? Buffer.from((v as { $base64: string }).$base64, 'base64')
    : v;

const STORED = { compress: false } as const;
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
const SAFE_TAKE_FILE = /^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

export async function exportArchive(
  deps: ArchiveDeps,
  target: string,
  passphrase: string,
): Promise<{ path: string; bytes: number; counts: ArchiveCounts }> {
  const { db, root } = deps;
  const out = await openAtomicWriter(target);
  const zip = new yazl.ZipFile();
  const tmp = await mkdtemp(path.join(root, '.privacy-export-'));
  const counts: ArchiveCounts = { projects: 0, lines: 0, takes: 0, voices: 0, consentRecords: 0 };
  // The zip streams into the temporary file as entries are added; each entry is read from disk when its turn comes.
  // A file that cannot be read part-way (yazl emits it on the zip) fails the export as a whole.
  const failed = new Promise<never>((_, reject) => zip.on('error', reject));
  const written = Promise.race([
    (async () => {
      for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) await out.write(chunk);
    })(),
    failed,
  ]);
  written.catch(() => undefined);
  try {
    const json = (name: string, v: unknown) => zip.addBuffer(Buffer.from(JSON.stringify(v, null, 1)), name);
    const projectIds = (db.prepare('SELECT id FROM projects ORDER BY created_at, id').all() as { id: string }[]).map(
      (r) => r.id,
    );
    const voiceIds = deps.library.voiceIds();
    const consents = db.prepare('SELECT * FROM voice_consents ORDER BY voice_id').all() as Row[];
    counts.projects = projectIds.length;
    counts.voices = voiceIds.length;
    counts.consentRecords = consents.length;
    counts.lines = (db.prepare('SELECT count(*) AS n FROM lines').get() as { n: number }).n;
    counts.takes = (db.prepare('SELECT count(*) AS n FROM takes').get() as { n: number }).n;
    json('manifest.json', {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      exportedAt: new Date().toISOString(),
      counts,
    });
    json('settings.json', db.prepare('SELECT key, value FROM settings ORDER BY key').all());
    json('consent.json', consents);
    for (const id of voiceIds) {
      // The existing voice export: the voice's samples and consent record sealed with the passphrase.
      const f = path.join(tmp, `${id}.timbrevoice`);
      await deps.library.exportTo(id, passphrase, f);
      zip.addFile(f, `voices/${id}.timbrevoice`);
    }
    for (const pid of projectIds) {
      const rows: Record<string, Row[]> = {
        projects: db.prepare('SELECT * FROM projects WHERE id = ?').all(pid) as Row[],
        lines: db.prepare('SELECT * FROM lines WHERE project_id = ? ORDER BY position').all(pid) as Row[],
        takes: db.prepare('SELECT * FROM takes WHERE project_id = ? ORDER BY created_at, id').all(pid) as Row[],
        take_analysis: db
          .prepare('SELECT a.* FROM take_analysis a JOIN takes t ON t.id = a.take_id WHERE t.project_id = ?')
          .all(pid) as Row[],
        take_qc: db
          .prepare('SELECT q.* FROM take_qc q JOIN takes t ON t.id = q.take_id WHERE t.project_id = ?')
          .all(pid) as Row[],
      };
      json(`projects/${pid}/project.json`, Object.fromEntries(Object.entries(rows).map(([t, r]) => [t, r.map(enc)])));
      for (const t of rows.takes) {
        const file = String(t.file);
        const abs = path.join(root, 'takes', file);
        // Files are opened when their turn comes (yazl reports a failure on the zip). Audio is stored, not deflated: PCM hardly compresses, and storing keeps the export as fast as a copy.
        if (existsSync(abs)) zip.addFile(abs, `projects/${pid}/takes/${path.basename(file)}`, STORED);
      }
      const bed = rows.projects[0]?.music_bed
        ? (JSON.parse(String(rows.projects[0].music_bed)) as { file?: string })
        : null;
      if (bed?.file && existsSync(path.join(root, 'music', bed.file)))
        zip.addFile(path.join(root, 'music', bed.file), `projects/${pid}/music/${bed.file}`, STORED);
      for (const name of existsSync(path.join(root, 'covers')) ? readdirSync(path.join(root, 'covers')) : [])
        if (name.startsWith(`${pid}.`)) zip.addFile(path.join(root, 'covers', name), `projects/${pid}/covers/${name}`);
    }
    zip.end();
    await written;
    await out.commit();
  } catch (err) {
    (zip.outputStream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    await out.abort();
    if (err instanceof ApiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new ApiError('DISK_FULL', `The disk is full: ${target} could not be written. Nothing was left behind.`);
    throw new ApiError(
      'INTERNAL',
      `The archive could not be written (${(err as Error).message}). Nothing was left behind; try again, or check the data folder.`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { path: target, bytes: (await stat(target)).size, counts };
}

const openZip = (file: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true }, (err, zf) =>
      err ? reject(err) : resolve(zf),
    ),
  );

const bad = (file: string, why: string) =>
  new ApiError(
    'INVALID_INPUT',
    `${path.basename(file)} is not a Timbre archive that can be imported: ${why}. Nothing was changed.`,
    {
      reason: 'bad-archive',
    },
  );

/** True when the data folder holds nothing an import could collide with. */
export function dataFolderIsEmpty(db: Db): boolean {
  const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  return n('projects') === 0 && n('voices') === 0 && n('takes') === 0;
}

export async function importArchive(deps: ArchiveDeps, file: string, passphrase: string): Promise<ArchiveCounts> {
  const { db, root } = deps;
  if (!dataFolderIsEmpty(db))
    throw new ApiError(
      'CONFLICT',
      'This data folder already holds projects or voices: an archive is imported only into an empty data folder ' +
        '(start Timbre with another --data-dir, or erase this one first). Nothing was changed.',
      { reason: 'not-empty' },
    );
  let zf: yauzl.ZipFile;
  try {
    zf = await openZip(file);
  } catch (err) {
    throw bad(file, (err as Error).message);
  }
  if (zf.entryCount > ARCHIVE_MAX_ENTRIES) {
    zf.close();
    throw bad(file, `it has ${zf.entryCount} entries (at most ${ARCHIVE_MAX_ENTRIES})`);
  }
  const work = await mkdtemp(path.join(root, '.privacy-import-'));
  const imported: string[] = [];
  let manifest = null as { format?: unknown; version?: unknown } | null;
  let settings: { key: string; value: string }[] = [];
  const projects: Record<string, Record<string, Row[]>> = {};
  const files: { from: string; to: string }[] = [];
  const voiceMap = new Map<string, string>();
  try {
    const entries = (async function* () {
      for (;;) {
        const e = await new Promise<yauzl.Entry | null>((resolve, reject) => {
          const onEntry = (x: yauzl.Entry) => done(x);
          const onEnd = () => done(null);
          const onError = (err: Error) => {
            zf.off('entry', onEntry).off('end', onEnd);
            reject(err);
          };
          const done = (x: yauzl.Entry | null) => {
            zf.off('entry', onEntry).off('end', onEnd).off('error', onError);
            resolve(x);
          };
          zf.once('entry', onEntry).once('end', onEnd).once('error', onError);
          zf.readEntry();
        });
        if (!e) return;
        yield e;
      }
    })();
    const readBuffer = async (e: yauzl.Entry, max: number): Promise<Buffer> => {
      if (e.uncompressedSize > max) throw bad(file, `${e.fileName} is larger than ${max} bytes`);
      const rs = await new Promise<NodeJS.ReadableStream>((res, rej) =>
        zf.openReadStream(e, (err, s) => (err ? rej(err) : res(s))),
      );
      const parts: Buffer[] = [];
      let n = 0;
      for await (const c of rs as AsyncIterable<Buffer>) {
        n += c.length;
        if (n > max) throw bad(file, `${e.fileName} is larger than ${max} bytes`);
        parts.push(c);
      }
      return Buffer.concat(parts);
    };
    const readJson = async (e: yauzl.Entry): Promise<unknown> => {
      try {
        return JSON.parse((await readBuffer(e, ARCHIVE_JSON_MAX_BYTES)).toString('utf8'));
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw bad(file, `${e.fileName} is not valid JSON`);
      }
    };
    for await (const e of entries) {
      const name = e.fileName;
      if (name.endsWith('/')) continue;
      const parts = name.split('/');
      if (!manifest && name !== 'manifest.json') throw bad(file, 'it does not start with manifest.json');
      if (name === 'manifest.json') {
        manifest = (await readJson(e)) as typeof manifest;
        if (manifest?.format !== ARCHIVE_FORMAT) throw bad(file, 'its manifest is not a Timbre archive manifest');
        if (manifest.version !== ARCHIVE_VERSION)
          throw bad(file, `it is version ${String(manifest.version)}; this Timbre reads version ${ARCHIVE_VERSION}`);
      } else if (name === 'settings.json') {
        const s = await readJson(e);
        if (!Array.isArray(s) || !s.every((r) => typeof r?.key === 'string' && typeof r?.value === 'string'))
          throw bad(file, 'settings.json is not a list of settings');
        settings = s as typeof settings;
      } else if (name === 'consent.json') {
        // Informational: each voice file carries its own consent record, which is what is imported.
        await readJson(e);
      } else if (parts.length === 2 && parts[0] === 'voices' && /^[A-Za-z0-9_-]{1,64}\.timbrevoice$/.test(parts[1])) {
        const oldId = parts[1].slice(0, -'.timbrevoice'.length);
        const tmp = path.join(work, parts[1]);
        await extract(e, tmp, VOICE_FILE_MAX_BYTES);
        const data = await readVoiceFileFrom(tmp, `The voice file ${parts[1]} in the archive`);
        const v = await deps.library.importFrom(data, passphrase, `The voice ${oldId} in the archive`);
        data.fill(0);
        rmSync(tmp, { force: true });
        imported.push(v.id);
        voiceMap.set(oldId, v.id);
      } else if (parts[0] === 'projects' && parts.length >= 3 && /^[A-Za-z0-9_-]{1,64}$/.test(parts[1])) {
        const pid = parts[1];
        if (parts.length === 3 && parts[2] === 'project.json') {
          const p = (await readJson(e)) as Record<string, unknown>;
          if (!p || typeof p !== 'object' || !PROJECT_TABLES.every((t) => Array.isArray(p[t])))
            throw bad(file, `${name} does not hold a project's rows`);
          const rows = p as Record<string, Row[]>;
          if (rows.projects.length !== 1 || rows.projects[0].id !== pid)
            throw bad(file, `${name} does not hold project ${pid}`);
          projects[pid] = rows;
        } else if (parts.length === 4 && SAFE_NAME.test(parts[3]) && ['takes', 'music', 'covers'].includes(parts[2])) {
          const tmp = path.join(work, `${pid}-${parts[2]}-${parts[3]}`);
          await extract(e, tmp, ARCHIVE_FILE_MAX_BYTES);
          const to =
            parts[2] === 'takes' ? path.join(root, 'takes', pid, parts[3]) : path.join(root, parts[2], parts[3]);
          files.push({ from: tmp, to });
        } else throw bad(file, `it holds an unexpected entry ${name}`);
      } else throw bad(file, `it holds an unexpected entry ${name}`);
    }
    if (!manifest) throw bad(file, 'it has no manifest.json');

    // Every take row names a file that came with it; nothing points outside the data folder.
    for (const [pid, rows] of Object.entries(projects))
      for (const t of rows.takes) {
        const f = String(t.file);
        if (!SAFE_TAKE_FILE.test(f) || !f.startsWith(`${pid}/`) || t.project_id !== pid)
          throw bad(file, `take ${String(t.id)} of project ${pid} names the file "${f}"`);
        if (!files.some((x) => x.to === path.join(root, 'takes', f)))
          throw bad(file, `the audio of take ${String(t.id)} is missing`);
      }

    // Voices get new ids on import: references to them (library:<old id>) follow.
    const remap = (v: unknown): unknown => {
      if (typeof v !== 'string' || !v.includes('library:')) return v;
      let s = v;
      for (const [o, n] of voiceMap) s = s.split(`library:${o}`).join(`library:${n}`);
      return s;
    };
    const counts: ArchiveCounts = { projects: 0, lines: 0, takes: 0, voices: voiceMap.size, consentRecords: 0 };
    const columns = (t: string) =>
      new Set((db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name));
    const cols = Object.fromEntries(PROJECT_TABLES.map((t) => [t, columns(t)]));
    db.transaction(() => {
      for (const rows of Object.values(projects)) {
        for (const t of PROJECT_TABLES) {
          for (const r of rows[t]) {
            const keys = Object.keys(r);
            const unknown = keys.filter((k) => !cols[t].has(k));
            if (unknown.length)
              throw bad(file, `a ${t} row has columns this Timbre does not know (${unknown.join(', ')})`);
            db.prepare(`INSERT INTO ${t} (${keys.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`).run(
              ...keys.map((k) => remap(dec(r[k])) as string | number | null | Buffer),
            );
          }
        }
        counts.projects++;
        counts.lines += rows.lines.length;
        counts.takes += rows.takes.length;
      }
      const upsert = db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      );
      for (const s of settings) upsert.run(s.key, remap(s.value) as string);
      counts.consentRecords = (db.prepare('SELECT count(*) AS n FROM voice_consents').get() as { n: number }).n;
      // The files go into place last, inside the transaction: a failure rolls the rows back.
      for (const f of files) {
        mkdirSync(path.dirname(f.to), { recursive: true, mode: 0o700 });
        renameSync(f.from, f.to);
      }
    })();
    return counts;
  } catch (err) {
    for (const f of files) if (existsSync(f.to) && !existsSync(f.from)) rmSync(f.to, { force: true });
    for (const id of imported) {
      try {
        deps.library.delete(id);
      } catch {
        // already gone
      }
    }
    if (err instanceof ApiError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new ApiError('DISK_FULL', 'The disk is full: the archive could not be imported. Nothing was changed.');
    throw bad(file, (err as Error).message);
  } finally {
    zf.close();
    await rm(work, { recursive: true, force: true });
  }

  async function extract(e: yauzl.Entry, to: string, max: number): Promise<void> {
    if (e.uncompressedSize > max) throw bad(file, `${e.fileName} is larger than ${max} bytes`);
    const rs = await new Promise<NodeJS.ReadableStream>((res, rej) =>
      zf.openReadStream(e, (err, s) => (err ? rej(err) : res(s))),
    );
    await pipeline(rs, createWriteStream(to, { mode: 0o600 }));
  }
}
