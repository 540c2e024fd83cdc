/**
 * Model packs on disk: `<dataDir>/models/<packId>/` holds a verified pack (its files + `pack.json`). Downloads and
 * imports are staged in `<dataDir>/models/.staging-<packId>[...]/`, verified file by file (size + sha256) and only then
 * renamed into place, so a half-downloaded or corrupted pack is never listed as installed. A download that stops
 * (network, cancel, crash) leaves `<file>.part` + `.state.json` in the staging folder and resumes with HTTP Range.
 *
 * The network is used only by `download()`. Plain Node, no Electron.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import { BUILTIN_CATALOG } from '../catalog/catalog.js';
import { packManifestSchema, totalBytes, type PackFile, type PackManifest } from '../catalog/schema.js';
import { downloadFile, type RetryPolicy } from './download.js';
import { PackError } from './errors.js';
import { sha256File } from './hash.js';
import { ZipReader, type ZipEntryInfo } from './zip.js';
import { extractTarBz2 } from './tar.js';
import { describeNonRegular } from '../common/safe-fs.js';
import { changedPackFiles, changedPackMessage } from './integrity.js';

export type PackStatus = 'installed' | 'partial' | 'not-installed';

export interface PackListing {
  id: string;
  name: string;
  version: string;
  status: PackStatus;
  /** Version in `pack.json` when a pack folder exists (may differ from the catalog version). */
  installedVersion?: string;
  /** Installed, but an older/other version than the catalog's. */
  outdated: boolean;
  bytesTotal: number;
  /** Bytes on disk for this pack (installed files, or staged/partial bytes). */
  bytesPresent: number;
  requiresTermsAcceptance: boolean;
  licence: PackManifest['licence'];
  /** Why an existing pack folder does not count as installed. */
  problem?: string;
  /**
   * A file of the installed pack changed size since installation (truncated, appended to, replaced or removed): the
   * pack is not used, and `verify` tells what else changed (download or import it again to repair it).
   */
  needsVerification?: boolean;
  dir: string;
}

export interface PackProgress {
  packId: string;
  phase: 'download' | 'verify' | 'import' | 'install';
  /** File being processed. */
  file?: string;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the last few seconds (0 while unknown). */
  speedBps: number;
  /** Seconds left at the current speed, null while unknown. */
  etaSeconds: number | null;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (p: PackProgress) => void;
  /** Required for packs whose manifest sets requiresTermsAcceptance. */
  acceptTerms?: boolean;
}

export interface DownloadOptions extends TransferOptions {
  retry?: Partial<RetryPolicy>;
  onRetry?: (file: string, attempt: number, delayMs: number, err: Error) => void;
}

export interface ImportOptions extends TransferOptions {
  /** Pack to import as; detected from the files when omitted. */
  packId?: string;
}

export interface VerifyReport {
  id: string;
  ok: boolean;
  files: { path: string; ok: boolean; problem?: string }[];
}

export interface PackManagerOptions {
  /** Timbre's data folder; packs live in `<dataDir>/models`. */
  dataDir: string;
  catalog?: readonly PackManifest[];
  fetchImpl?: typeof fetch;
  /** Free space to keep beyond the pack's size (default 32 MiB). */
  diskMarginBytes?: number;
  /** Injectable for tests: free bytes on the volume holding `dir`. */
  freeBytes?: (dir: string) => Promise<number>;
  /** Minimum interval between progress events (default 100 ms). */
  progressIntervalMs?: number;
  /**
   * A managed policy's rules (the caller reads the policy file): `downloadsRefused` is the message that refuses every
   * download; `allowPack` returns a refusal for a pack that may not be installed, or null; `mirrorUrl` replaces the
   * public URLs with `<mirror>/<pack id>/<file path>` (the files are still checked against the catalog's sha256).
   */
  policy?: {
    downloadsRefused?: string;
    allowPack?: (m: PackManifest) => string | null;
    mirrorUrl?: string;
  };
}

/** What `pack.json` in an installed pack folder records. */
export interface InstalledPackRecord {
  id: string;
  version: string;
  name: string;
  installedAt: string;
  source: 'download' | 'import';
  files: { path: string; bytes: number; sha256: string }[];
}

interface StagingState {
  id: string;
  version: string;
  files: Record<string, { url: string; sha256: string; etag?: string }>;
}

const PACK_RECORD = 'pack.json';
const STATE_FILE = '.state.json';
/** Where an archive pack's archive is downloaded in its staging folder (removed once its files are out). */
const ARCHIVE_FILE = '.archive';
/** File names taken for model pack archives (`timbre models import x.tar.bz2`). */
const TAR_BZ2_NAME = /\.(tar\.bz2|tbz2?)$/i;

export async function freeBytesOn(dir: string): Promise<number> {
  const s = await fsp.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Speed over a sliding window of (time, bytes) samples. */
class SpeedMeter {
  private samples: { t: number; b: number }[] = [];
  constructor(private readonly windowMs = 5000) {}
  add(b: number, t = Date.now()): number {
    this.samples.push({ t, b });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const dt = (t - first.t) / 1000;
    return dt > 0.2 ? Math.max(0, (b - first.b) / dt) : 0;
  }
}

export class PackManager {
  readonly modelsDir: string;
  readonly catalog: readonly PackManifest[];
  private readonly fetchImpl?: typeof fetch;
  private readonly margin: number;
  private readonly freeBytes: (dir: string) => Promise<number>;
  private readonly progressInterval: number;
  private readonly busy = new Set<string>();
  private readonly policy: NonNullable<PackManagerOptions['policy']>;

  constructor(o: PackManagerOptions) {
    this.policy = o.policy ?? {};
    this.modelsDir = path.join(path.resolve(o.dataDir), 'models');
    this.catalog = (o.catalog ?? BUILTIN_CATALOG).map((m) => packManifestSchema.parse(m));
    this.fetchImpl = o.fetchImpl;
    this.margin = o.diskMarginBytes ?? 32 * 1024 * 1024;
    this.freeBytes = o.freeBytes ?? freeBytesOn;
    this.progressInterval = o.progressIntervalMs ?? 100;
  }

  manifest(id: string): PackManifest {
    const m = this.catalog.find((p) => p.id === id);
    if (!m)
      throw new PackError(
        'UNKNOWN_PACK',
        `Unknown model pack "${id}". Known packs: ${this.catalog.map((p) => p.id).join(', ')}.`,
      );
    return m;
  }

  packDir(id: string): string {
    return path.join(this.modelsDir, id);
  }

  private stagingDir(id: string): string {
    return path.join(this.modelsDir, `.staging-${id}`);
  }

  // ---------------------------------------------------------------- list

  async list(): Promise<PackListing[]> {
    return Promise.all(this.catalog.map((m) => this.status(m.id)));
  }

  async status(id: string): Promise<PackListing> {
    const m = this.manifest(id);
    const base: PackListing = {
      id: m.id,
      name: m.name,
      version: m.version,
      status: 'not-installed',
      outdated: false,
      bytesTotal: totalBytes(m),
      bytesPresent: 0,
      requiresTermsAcceptance: m.requiresTermsAcceptance,
      licence: m.licence,
      dir: this.packDir(id),
    };
    const record = await this.readRecord(id);
    if (record) {
      base.installedVersion = record.version;
      // The same cheap size check engines make before loading a pack (integrity.ts).
      const changed = changedPackFiles(this.packDir(id));
      base.bytesPresent = record.files
        .filter((f) => !changed.some((c) => c.path === f.path))
        .reduce((n, f) => n + f.bytes, 0);
      if (changed.length === 0) {
        base.status = 'installed';
        base.outdated = record.version !== m.version;
        return base;
      }
      base.problem = changedPackMessage(id, changed);
      base.needsVerification = true;
      base.status = 'partial';
    } else if (await exists(this.packDir(id))) {
      base.problem = `${PACK_RECORD} is missing: the folder is not a complete pack`;
      base.status = 'partial';
    }
    const staged = await stagedBytes(this.stagingDir(id));
    if (staged !== undefined) {
      base.status = base.status === 'installed' ? base.status : 'partial';
      if (base.status === 'partial') base.bytesPresent = Math.max(base.bytesPresent, staged);
    }
    return base;
  }

  private async readRecord(id: string): Promise<InstalledPackRecord | undefined> {
    try {
      const rec = JSON.parse(
        await fsp.readFile(path.join(this.packDir(id), PACK_RECORD), 'utf8'),
      ) as InstalledPackRecord;
      return rec.id === id && Array.isArray(rec.files) ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- download

  /** Download, verify and install a pack (resuming any partial download). */
  async download(id: string, o: DownloadOptions = {}): Promise<PackListing> {
    const m = this.manifest(id);
    if (this.policy.downloadsRefused) throw new PackError('POLICY', this.policy.downloadsRefused);
    this.checkPolicy(m);
    this.checkTerms(m, o.acceptTerms);
    if (m.archive) return this.withLock(id, () => this.downloadArchive(m, o));
    return this.withLock(id, async () => {
      const staging = this.stagingDir(id);
      let state = await readState(staging);
      if (state && (state.id !== m.id || state.version !== m.version)) {
        await fsp.rm(staging, { recursive: true, force: true });
        state = undefined;
      }
      state ??= { id: m.id, version: m.version, files: {} };
      // Discard partial files whose source changed in the catalog.
      for (const f of m.files) {
        const s = state.files[f.path];
        if (s && (s.url !== f.url || s.sha256 !== f.sha256)) {
          await fsp.rm(path.join(staging, f.path), { force: true });
          await fsp.rm(path.join(staging, `${f.path}.part`), { force: true });
          delete state.files[f.path];
        }
      }
      await fsp.mkdir(staging, { recursive: true });
      await writeState(staging, state);

      // Bytes already on disk per file (done or partial).
      const have = new Map<string, number>();
      for (const f of m.files) {
        const done = await fileSize(path.join(staging, f.path));
        have.set(
          f.path,
          done === f.bytes ? done : Math.min(f.bytes, await fileSize(path.join(staging, `${f.path}.part`))),
        );
      }
      const total = totalBytes(m);
      const already = [...have.values()].reduce((a, b) => a + b, 0);
      await this.checkDisk(total - already, m);

      const progress = this.progressEmitter(m, 'download', total, o.onProgress);
      for (const f of m.files) {
        const dest = path.join(staging, f.path);
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        if ((await fileSize(dest)) === f.bytes) {
          // Finished in an earlier run: check it again (cheap next to a download) before trusting it.
          if ((await sha256File(dest, o.signal)) === f.sha256) continue;
          await fsp.rm(dest, { force: true });
          have.set(f.path, 0);
        }
        const entry = (state.files[f.path] ??= { url: f.url, sha256: f.sha256 });
        await writeState(staging, state);
        await downloadFile({
          url: this.policy.mirrorUrl
            ? `${this.policy.mirrorUrl.replace(/\/+$/, '')}/${encodeURIComponent(m.id)}/${f.path.split('/').map(encodeURIComponent).join('/')}`
            : f.url,
          dest,
          bytes: f.bytes,
          sha256: f.sha256,
          signal: o.signal,
          retry: o.retry,
          etag: entry.etag,
          fetchImpl: this.fetchImpl,
          onValidator: async (etag) => {
            entry.etag = etag;
            await writeState(staging, state);
          },
          onBytes: (n) => {
            have.set(f.path, n);
            progress(sumValues(have), f.path);
          },
          onRetry: (attempt, delay, err) => o.onRetry?.(f.path, attempt, delay, err),
        });
        have.set(f.path, f.bytes);
        progress(sumValues(have), f.path, true);
      }
      return this.install(m, staging, 'download', o.onProgress);
    });
  }

  /** An archive pack: download the archive (resumable, verified), then extract and verify its pinned files. */
  private async downloadArchive(m: PackManifest, o: DownloadOptions): Promise<PackListing> {
    const a = m.archive!;
    const staging = this.stagingDir(m.id);
    let state = await readState(staging);
    if (state && (state.id !== m.id || state.version !== m.version)) {
      await fsp.rm(staging, { recursive: true, force: true });
      state = undefined;
    }
    state ??= { id: m.id, version: m.version, files: {} };
    const archivePath = path.join(staging, ARCHIVE_FILE);
    const known = state.files[ARCHIVE_FILE];
    if (known && (known.url !== a.url || known.sha256 !== a.sha256)) {
      await fsp.rm(archivePath, { force: true });
      await fsp.rm(`${archivePath}.part`, { force: true });
      delete state.files[ARCHIVE_FILE];
    }
    await fsp.mkdir(staging, { recursive: true });
    // Files extracted by an earlier run that stopped part-way are extracted again.
    for (const f of m.files) await fsp.rm(path.join(staging, f.path), { force: true });
    await writeState(staging, state);
    if ((await fileSize(archivePath)) === a.bytes && (await sha256File(archivePath, o.signal)) !== a.sha256)
      await fsp.rm(archivePath, { force: true });
    const have =
      (await fileSize(archivePath)) === a.bytes ? a.bytes : Math.min(a.bytes, await fileSize(`${archivePath}.part`));
    // The archive and the files taken out of it are on disk together for a moment.
    await this.checkDisk(a.bytes - have + totalBytes(m), m);
    const name = path.posix.basename(new URL(a.url).pathname);
    const progress = this.progressEmitter(m, 'download', a.bytes, o.onProgress);
    if (have !== a.bytes) {
      const entry = (state.files[ARCHIVE_FILE] ??= { url: a.url, sha256: a.sha256 });
      await writeState(staging, state);
      await downloadFile({
        url: this.policy.mirrorUrl
          ? `${this.policy.mirrorUrl.replace(/\/+$/, '')}/${encodeURIComponent(m.id)}/${encodeURIComponent(name)}`
          : a.url,
        dest: archivePath,
        bytes: a.bytes,
        sha256: a.sha256,
        signal: o.signal,
        retry: o.retry,
        etag: entry.etag,
        fetchImpl: this.fetchImpl,
        onValidator: async (etag) => {
          entry.etag = etag;
          await writeState(staging, state);
        },
        onBytes: (n) => progress(n, name),
        onRetry: (attempt, delay, err) => o.onRetry?.(name, attempt, delay, err),
      });
    }
    progress(a.bytes, name, true);
    await this.extractArchive(m, archivePath, name, staging, o);
    await fsp.rm(archivePath, { force: true });
    return this.install(m, staging, 'download', o.onProgress);
  }

  /** Take the manifest's files out of a .tar.bz2 into `staging`, each checked by size (before) and sha256 (after). */
  private async extractArchive(
    m: PackManifest,
    archivePath: string,
    label: string,
    staging: string,
    o: TransferOptions,
  ): Promise<void> {
    const root = m.archive?.root;
    const fileFor = (name: string) =>
      m.files.find((f) => name === f.path || (root !== undefined && name === `${root}/${f.path}`));
    const total = totalBytes(m);
    const progress = this.progressEmitter(m, 'install', total, o.onProgress);
    for (const f of m.files) await fsp.mkdir(path.dirname(path.join(staging, f.path)), { recursive: true });
    const got = await extractTarBz2(
      archivePath,
      (name) => {
        const f = fileFor(name);
        return f ? { dest: path.join(staging, f.path), bytes: f.bytes } : undefined;
      },
      m.files.length,
      { signal: o.signal, onBytes: (n) => progress(n) },
    );
    const byPath = new Map([...got.values()].map((g) => [fileFor(g.entry)!.path, g]));
    const missing = m.files.filter((f) => !byPath.has(f.path)).map((f) => f.path);
    if (missing.length)
      throw new PackError(
        'MISSING_FILES',
        `${label} lacks files of pack "${m.id}": ${missing.join(', ')}. Nothing was installed.`,
      );
    for (const f of m.files) {
      const g = byPath.get(f.path)!;
      if (g.sha256 !== f.sha256) throw checksumError(m, f, g.sha256, `${label}:${g.entry}`);
    }
    progress(total, undefined, true);
  }

  // ---------------------------------------------------------------- import

  /** Install a pack from a folder or a .zip (air-gapped machines), with the same verification as a download. */
  async import(source: string, o: ImportOptions = {}): Promise<PackListing> {
    const src = path.resolve(source);
    const st = await fsp.stat(src).catch(() => undefined);
    if (!st) throw new PackError('MISSING_FILES', `${src} does not exist.`);
    if (st.isDirectory()) return this.importFolder(src, o);
    // A named pipe or a device is never opened (it would block a thread-pool thread or never end): safe-fs.ts.
    const kind = describeNonRegular(st);
    if (kind)
      throw new PackError(
        'BAD_ARCHIVE',
        `${src} is ${kind}, not a model pack archive (.zip) or folder: choose the downloaded file. Nothing was installed.`,
      );
    if (TAR_BZ2_NAME.test(src)) return this.importArchive(src, st.size, o);
    return this.importZip(src, o);
  }

  /**
   * A pack's .tar.bz2 as published: the pack asked for, else the catalog pack whose archive has this size and
   * sha256. Only the pinned files are extracted, each verified.
   */
  private async importArchive(src: string, size: number, o: ImportOptions): Promise<PackListing> {
    let m: PackManifest | undefined;
    if (o.packId) {
      m = this.manifest(o.packId);
      if (!m.archive)
        throw new PackError(
          'BAD_ARCHIVE',
          `Pack "${m.id}" is not published as a .tar.bz2 archive: import its files, a folder or a .zip. Nothing was installed.`,
        );
    } else {
      const candidates = this.catalog.filter((c) => c.archive?.bytes === size);
      if (candidates.length) {
        const digest = await sha256File(src, o.signal);
        m = candidates.find((c) => c.archive!.sha256 === digest);
      }
      if (!m)
        throw new PackError(
          'MISSING_FILES',
          `${src} is not the published archive of any known pack (${this.catalog
            .filter((c) => c.archive)
            .map((c) => c.id)
            .join(
              ', ',
            )}): its size or sha256 differs. Name the pack to take its files out of it anyway. Nothing was installed.`,
        );
    }
    const pack = m;
    this.checkPolicy(pack);
    this.checkTerms(pack, o.acceptTerms);
    return this.withLock(pack.id, async () => {
      const staging = await this.newImportStaging(pack);
      try {
        await this.checkDisk(totalBytes(pack), pack);
        await this.extractArchive(pack, src, src, staging, o);
        return await this.install(pack, staging, 'import', o.onProgress);
      } catch (err) {
        await fsp.rm(staging, { recursive: true, force: true });
        throw err;
      }
    });
  }

  private async importFolder(src: string, o: ImportOptions): Promise<PackListing> {
    const locate = async (m: PackManifest, f: PackFile): Promise<string | undefined> => {
      for (const c of [path.join(src, f.path), path.join(src, m.id, f.path), path.join(src, path.basename(f.path))]) {
        const s = await fsp.stat(c).catch(() => undefined);
        if (s?.isFile()) return c;
      }
      return undefined;
    };
    const m = await this.pickPack(src, o.packId, async (mm) => {
      const missing: string[] = [];
      for (const f of mm.files) if (!(await locate(mm, f))) missing.push(f.path);
      return missing;
    });
    this.checkPolicy(m);
    this.checkTerms(m, o.acceptTerms);
    return this.withLock(m.id, async () => {
      const staging = await this.newImportStaging(m);
      try {
        const total = totalBytes(m);
        await this.checkDisk(total, m);
        const progress = this.progressEmitter(m, 'import', total, o.onProgress);
        let done = 0;
        for (const f of m.files) {
          const from = (await locate(m, f))!;
          const dest = path.join(staging, f.path);
          await fsp.mkdir(path.dirname(dest), { recursive: true });
          const size = await fileSize(from);
          if (size !== f.bytes) throw sizeError(m, f, size, from);
          await fsp.copyFile(from, dest, fsc.COPYFILE_EXCL);
          const digest = await sha256File(dest, o.signal);
          if (digest !== f.sha256) throw checksumError(m, f, digest, from);
          done += f.bytes;
          progress(done, f.path, true);
        }
        return await this.install(m, staging, 'import', o.onProgress);
      } catch (err) {
        await fsp.rm(staging, { recursive: true, force: true });
        throw err;
      }
    });
  }

  private async importZip(src: string, o: ImportOptions): Promise<PackListing> {
    const zip = await ZipReader.open(src);
    try {
      const files = zip.entries.filter((e) => !e.isDirectory);
      const locate = (m: PackManifest, f: PackFile): ZipEntryInfo | undefined => {
        const hits = files.filter((e) => e.name === f.path || e.name.endsWith(`/${f.path}`));
        if (hits.length === 0 && !f.path.includes('/'))
          hits.push(...files.filter((e) => path.posix.basename(e.name) === f.path));
        return hits.sort((a, b) => a.name.length - b.name.length)[0];
      };
      const m = await this.pickPack(src, o.packId, async (mm) =>
        mm.files.filter((f) => !locate(mm, f)).map((f) => f.path),
      );
      this.checkPolicy(m);
      this.checkTerms(m, o.acceptTerms);
      return await this.withLock(m.id, async () => {
        const staging = await this.newImportStaging(m);
        try {
          const total = totalBytes(m);
          await this.checkDisk(total, m);
          const progress = this.progressEmitter(m, 'import', total, o.onProgress);
          let done = 0;
          for (const f of m.files) {
            const e = locate(m, f)!;
            if (e.uncompressedSize !== f.bytes) throw sizeError(m, f, e.uncompressedSize, `${src}:${e.name}`);
            const dest = path.join(staging, f.path);
            assertInside(staging, dest, src, e.name);
            await fsp.mkdir(path.dirname(dest), { recursive: true });
            const r = await zip.extract(e, dest, (n) => progress(done + n, f.path), o.signal);
            if (r.bytes !== f.bytes) throw sizeError(m, f, r.bytes, `${src}:${e.name}`);
            if (r.sha256 !== f.sha256) throw checksumError(m, f, r.sha256, `${src}:${e.name}`);
            done += f.bytes;
            progress(done, f.path, true);
          }
          return await this.install(m, staging, 'import', o.onProgress);
        } catch (err) {
          await fsp.rm(staging, { recursive: true, force: true });
          throw err;
        }
      });
    } finally {
      zip.close();
    }
  }

  /** The pack to import: the one asked for, else the only catalog pack whose files are all there. */
  private async pickPack(
    src: string,
    packId: string | undefined,
    missingFor: (m: PackManifest) => Promise<string[]>,
  ): Promise<PackManifest> {
    if (packId) {
      const m = this.manifest(packId);
      const missing = await missingFor(m);
      if (missing.length)
        throw new PackError(
          'MISSING_FILES',
          `${src} lacks files of pack "${m.id}": ${missing.join(', ')}. Nothing was installed.`,
        );
      return m;
    }
    const complete: PackManifest[] = [];
    for (const m of this.catalog) if ((await missingFor(m)).length === 0) complete.push(m);
    if (complete.length === 1) return complete[0];
    if (complete.length > 1)
      throw new PackError(
        'MISSING_FILES',
        `${src} holds more than one pack (${complete.map((m) => m.id).join(', ')}): say which one to import.`,
      );
    throw new PackError(
      'MISSING_FILES',
      `${src} does not contain all the files of any known pack (${this.catalog.map((m) => m.id).join(', ')}). Nothing was installed.`,
    );
  }

  private async newImportStaging(m: PackManifest): Promise<string> {
    await fsp.mkdir(this.modelsDir, { recursive: true });
    const dir = path.join(this.modelsDir, `.staging-${m.id}-import-${randomBytes(4).toString('hex')}`);
    await fsp.mkdir(dir);
    return dir;
  }

  // ---------------------------------------------------------------- verify / remove

  /** Re-hash every file of an installed pack. */
  async verify(id: string, o: TransferOptions = {}): Promise<VerifyReport> {
    const m = this.manifest(id);
    const record = await this.readRecord(id);
    if (!record) throw new PackError('NOT_INSTALLED', `Model pack "${id}" is not installed.`);
    const expected = record.version === m.version ? m.files : record.files;
    const progress = this.progressEmitter(
      m,
      'verify',
      expected.reduce((a, f) => a + f.bytes, 0),
      o.onProgress,
    );
    const files: VerifyReport['files'] = [];
    let done = 0;
    for (const f of expected) {
      const p = path.join(this.packDir(id), f.path);
      const size = await fileSize(p);
      if (size !== f.bytes) {
        files.push({
          path: f.path,
          ok: false,
          problem: size === 0 && !(await exists(p)) ? 'missing' : `${size} bytes, expected ${f.bytes}`,
        });
      } else {
        const digest = await sha256File(p, o.signal);
        files.push(
          digest === f.sha256
            ? { path: f.path, ok: true }
            : { path: f.path, ok: false, problem: `sha256 ${digest}, expected ${f.sha256}` },
        );
      }
      done += f.bytes;
      progress(done, f.path, true);
    }
    return { id, ok: files.every((f) => f.ok), files };
  }

  /** Delete an installed pack and any staged download. Returns false when there was nothing to remove. */
  async remove(id: string): Promise<boolean> {
    this.manifest(id);
    return this.withLock(id, async () => {
      let removed = false;
      const names = await fsp.readdir(this.modelsDir).catch(() => [] as string[]);
      for (const n of names) {
        if (
          n === id ||
          n === `.staging-${id}` ||
          n.startsWith(`.staging-${id}-import-`) ||
          n.startsWith(`.old-${id}-`)
        ) {
          await fsp.rm(path.join(this.modelsDir, n), { recursive: true, force: true });
          removed = true;
        }
      }
      return removed;
    });
  }

  // ---------------------------------------------------------------- internals

  private checkTerms(m: PackManifest, accepted: boolean | undefined): void {
    if (m.requiresTermsAcceptance && !accepted) {
      const where = m.licence.url ?? (m.licence.file ? `${m.licence.file} in the pack` : 'the pack licence');
      throw new PackError(
        'TERMS_NOT_ACCEPTED',
        `"${m.name}" is licensed under ${m.licence.id} with terms that must be accepted first (${where}).`,
      );
    }
  }

  private async checkDisk(needed: number, m: PackManifest): Promise<void> {
    await fsp.mkdir(this.modelsDir, { recursive: true });
    const free = await this.freeBytes(this.modelsDir);
    if (free < needed + this.margin)
      throw new PackError(
        'DISK_FULL',
        `Not enough free disk space for "${m.name}": it needs ${fmtBytes(needed + this.margin)} and ${fmtBytes(free)} is free in ${this.modelsDir}.`,
      );
  }

  /** Write pack.json into the verified staging folder and swap it into place. */
  /** Refuse a pack the policy does not allow (checked before a download and again before any install). */
  private checkPolicy(m: PackManifest): void {
    const refusal = this.policy.allowPack?.(m);
    if (refusal) throw new PackError('POLICY', refusal);
  }

  private async install(
    m: PackManifest,
    staging: string,
    source: 'download' | 'import',
    onProgress?: (p: PackProgress) => void,
  ): Promise<PackListing> {
    this.checkPolicy(m);
    const total = totalBytes(m);
    onProgress?.({ packId: m.id, phase: 'install', bytesDone: total, bytesTotal: total, speedBps: 0, etaSeconds: 0 });
    const record: InstalledPackRecord = {
      id: m.id,
      version: m.version,
      name: m.name,
      installedAt: new Date().toISOString(),
      source,
      files: m.files.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })),
    };
    await fsp.rm(path.join(staging, STATE_FILE), { force: true });
    await fsp.writeFile(path.join(staging, PACK_RECORD), JSON.stringify(record, null, 2));
    const target = this.packDir(m.id);
    let old: string | undefined;
    if (await exists(target)) {
      old = path.join(this.modelsDir, `.old-${m.id}-${randomBytes(4).toString('hex')}`);
      await fsp.rename(target, old);
    }
    try {
      await fsp.rename(staging, target);
    } catch (err) {
      if (old) await fsp.rename(old, target).catch(() => undefined);
      throw err;
    }
    if (old) await fsp.rm(old, { recursive: true, force: true });
    return this.status(m.id);
  }

  private progressEmitter(
    m: PackManifest,
    phase: PackProgress['phase'],
    total: number,
    cb?: (p: PackProgress) => void,
  ): (done: number, file?: string, force?: boolean) => void {
    if (!cb) return () => undefined;
    const meter = new SpeedMeter();
    let last = 0;
    return (done, file, force = false) => {
      const now = Date.now();
      const speed = meter.add(done, now);
      if (!force && now - last < this.progressInterval) return;
      last = now;
      cb({
        packId: m.id,
        phase,
        file,
        bytesDone: done,
        bytesTotal: total,
        speedBps: speed,
        etaSeconds: speed > 0 ? (total - done) / speed : done >= total ? 0 : null,
      });
    };
  }

  /** One operation per pack at a time, across processes (a lock file holding the pid). */
  private async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy.has(id)) throw new PackError('BUSY', `Model pack "${id}" is already being changed.`);
    await fsp.mkdir(this.modelsDir, { recursive: true });
    const lock = path.join(this.modelsDir, `.lock-${id}`);
    const take = async () => {
      const fh = await fsp.open(lock, 'wx');
      try {
        await fh.writeFile(String(process.pid));
        await fh.close();
      } catch (err) {
        // A full disk has room for the lock's name but not its pid: leave no empty lock behind.
        await fh.close().catch(() => undefined);
        await fsp.rm(lock, { force: true });
        throw err;
      }
    };
    try {
      await take();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(await fsp.readFile(lock, 'utf8').catch(() => ''));
      if (pid && pid !== process.pid && isAlive(pid))
        throw new PackError('BUSY', `Model pack "${id}" is being changed by another Timbre process (pid ${pid}).`);
      await fsp.rm(lock, { force: true });
      await take();
    }
    this.busy.add(id);
    try {
      return await fn();
    } finally {
      this.busy.delete(id);
      await fsp.rm(lock, { force: true });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function assertInside(root: string, dest: string, src: string, name: string): void {
  const rel = path.relative(root, dest);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new PackError('UNSAFE_ARCHIVE', `Refusing to import ${src}: entry "${name}" escapes the pack folder.`);
}

function sizeError(m: PackManifest, f: PackFile, size: number, from: string): PackError {
  return new PackError(
    'SIZE_MISMATCH',
    `${from} is ${size} bytes but ${m.id}/${f.path} must be ${f.bytes} bytes: wrong file or wrong version. Nothing was installed.`,
  );
}

function checksumError(m: PackManifest, f: PackFile, digest: string, from: string): PackError {
  return new PackError(
    'CHECKSUM_MISMATCH',
    `${from} fails verification for ${m.id}/${f.path}: sha256 is ${digest}, expected ${f.sha256}. The file is corrupted or not the pinned version. Nothing was installed.`,
  );
}

async function fileSize(p: string): Promise<number> {
  try {
    const s = await fsp.stat(p);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/** Bytes in a staging folder (files + parts), undefined when there is none. */
async function stagedBytes(dir: string): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir, { recursive: true });
  } catch {
    return undefined;
  }
  let n = 0;
  for (const e of entries) if (!e.endsWith(STATE_FILE)) n += await fileSize(path.join(dir, e));
  return n;
}

async function readState(dir: string): Promise<StagingState | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, STATE_FILE), 'utf8')) as StagingState;
  } catch {
    return undefined;
  }
}

async function writeState(dir: string, state: StagingState): Promise<void> {
  const tmp = path.join(dir, `${STATE_FILE}.tmp`);
  await fsp.writeFile(tmp, JSON.stringify(state));
  await fsp.rename(tmp, path.join(dir, STATE_FILE));
}

function sumValues(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
