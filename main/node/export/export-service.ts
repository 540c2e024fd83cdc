/**
 * Episode exports behind the API: each export runs in its own worker thread (export.worker.ts) that writes only
 * to staging files next to the targets (named like atomic-fs temp files, so a crash leaves nothing the startup
 * sweep does not remove). When the worker succeeds, the staged files are renamed into place together; when it
 * fails or is cancelled, they are removed: a failed export never leaves a file behind.
 */
import { Worker } from 'node:worker_threads';
import { existsSync, promises as fsp, readdirSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ExportFile, ExportJob, MethodParams } from '../../../preload/contract/index.js';
import { ApiError, notFound, toApiError } from '../../../native-models/common/errors.js';
import type { Db } from '../db/database.js';
import type { Repos } from '../db/repositories.js';
import { appRoot } from '../app-root.js';
import { newId, nowIso } from '../ids.js';
import { combinedLoudness, episodePlan } from '../studio/episode.js';
import { loudnessReader } from '../studio/take-analysis-store.js';
import type { Emit } from '../jobs/queue.js';
import type { ExportWorkerMessage, ExportWorkerRequest } from './export-protocol.js';
import { FORMAT_EXTENSIONS } from './export.js';
import { ACX_PRESET, chapterFileName, chapterSpans } from './audiobook.js';
import { checkOutputTarget } from '../../../native-models/common/safe-fs.js';
import { safeFileName } from './file-name.js';

const EXPORT_FILE_WHAT = {
  audio: 'The export file',
  srt: 'The SRT subtitle file',
  vtt: 'The WebVTT subtitle file',
  'words-vtt': 'The word-level WebVTT file',
  stems: 'The stems file',
  chapter: 'A chapter file',
  report: 'The ACX report',
} as const;

export type ExportParams = MethodParams<'export.start'> & {
  /** CLI: explicit subtitle paths (default: next to the audio with .srt / .vtt). */
  srtPath?: string;
  vttPath?: string;
  wordsVttPath?: string;
  stemsPath?: string;
};

export function exportWorkerPath(): string {
  const built = path.join(appRoot(), 'dist', 'node', 'export.worker.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
  return built;
}

const CANCEL_GRACE_MS = 1500;

const ALLOWED_EXTENSIONS: Record<ExportParams['format'], string[]> = {
  wav: ['.wav', '.wave'],
  flac: ['.flac'],
  mp3: ['.mp3'],
  opus: ['.opus', '.ogg'],
  m4a: ['.m4a', '.mp4', '.aac'],
  m4b: ['.m4b'],
};

interface Running {
  worker: Worker;
  staged: string[];
  prefixes: { dir: string; prefix: string }[];
  cancelled: boolean;
  done: Promise<ExportJob>;
}

export class ExportService {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly db: Db,
    private readonly repos: Repos,
    private readonly dirs: { root: string; takes: string },
    private readonly emit: Emit,
  ) {
    // Exports that were running when Timbre stopped: their staging files were swept at startup.
    for (const r of this.db.prepare('SELECT id, data FROM exports').all() as { id: string; data: string }[]) {
      const job = JSON.parse(r.data) as ExportJob;
      if (job.status === 'running')
        this.save({
          ...job,
          status: 'failed',
          error: { code: 'CANCELLED', message: 'Timbre stopped during this export: export again.' },
        });
    }
  }

  private save(job: ExportJob): ExportJob {
    this.db
      .prepare(
        'INSERT INTO exports (id, project_id, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data',
      )
      .run(job.id, job.projectId, JSON.stringify(job), job.createdAt);
    return job;
  }

  get(id: string): ExportJob {
    const r = this.db.prepare('SELECT data FROM exports WHERE id = ?').get(id) as { data: string } | undefined;
    if (!r) throw notFound('Export', id);
    return JSON.parse(r.data) as ExportJob;
  }

  list(projectId: string): ExportJob[] {
    return (
      this.db
        .prepare('SELECT data FROM exports WHERE project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 50')
        .all(projectId) as { data: string }[]
    ).map((r) => JSON.parse(r.data) as ExportJob);
  }

  /** Absolute path of file `index` of a finished export; NOT_FOUND otherwise. */
  filePath(id: string, index: number): string {
    const job = this.get(id);
    const f = job.status === 'done' ? job.files[index] : undefined;
    if (!f || !existsSync(f.path)) throw notFound(`File ${index} of export`, id);
    return f.path;
  }

  /** Folders in the data folder holding this project's exports (removed with the project). */
  dataFolderDirs(projectId: string): string[] {
    return (this.db.prepare('SELECT id FROM exports WHERE project_id = ?').all(projectId) as { id: string }[])
      .map((r) => path.join(this.dirs.root, 'exports', r.id))
      .filter((d) => existsSync(d));
  }

  /** The ACX preset's settings are fixed: a request that asks for something else is refused, naming it. */
  private checkAcx(p: ExportParams): void {
    const no = (what: string) => {
      throw new ApiError('INVALID_INPUT', `The ACX audiobook preset ${what}. Nothing was exported.`, {
        reason: 'acx-preset',
      });
    };
    if (p.format !== 'mp3') no(`exports MP3 files (got ${p.format.toUpperCase()}): choose MP3`);
    if (p.mp3Mode !== 'cbr') no('needs a constant bit rate (CBR) MP3: ACX refuses variable bit rate');
    if (p.sampleRate !== ACX_PRESET.sampleRate) no(`exports at 44.1 kHz (got ${p.sampleRate} Hz)`);
    if (p.bitrateKbps !== undefined && p.bitrateKbps < ACX_PRESET.bitrateKbps)
      no(`needs 192 kbps or more (got ${p.bitrateKbps} kbps)`);
    if (p.subtitles.length || p.srtPath || p.vttPath || p.wordsVttPath) no('writes no subtitles: leave them out');
    if (p.stems !== 'none' || p.stemsPath) no('writes no stems: leave them out');
  }

  private targets(id: string, p: ExportParams, projectName: string, chapterTitles: string[] = []) {
    const ext = FORMAT_EXTENSIONS[p.format];
    let audio: string;
    if (p.outputPath) {
      if (!path.isAbsolute(p.outputPath))
        throw new ApiError('INVALID_INPUT', `The output path must be absolute (got "${p.outputPath}").`);
      const given = path.extname(p.outputPath).toLowerCase();
      // The caller may be an untrusted page: it can only ever write audio files of the chosen format (plus the
      // subtitles and stems named after them), never e.g. a dotfile or a script.
      // `-o <existing folder>` is refused rather than turned into "<folder>.mp3" next to it.
      if (statSync(p.outputPath, { throwIfNoEntry: false })?.isDirectory())
        throw new ApiError(
          'INVALID_INPUT',
          `The output path ${p.outputPath} is a folder, not a file: name a file inside it (e.g. ${path.join(p.outputPath, `episode.${ext}`)}). Nothing was written.`,
          { reason: 'not-a-file', file: p.outputPath, kind: 'a folder' },
        );
      if (given && !ALLOWED_EXTENSIONS[p.format].includes(given))
        throw new ApiError(
          'INVALID_INPUT',
          `A ${p.format.toUpperCase()} export must be saved as ${ALLOWED_EXTENSIONS[p.format].join(' or ')} (got "${path.basename(p.outputPath)}").`,
        );
      audio = given ? p.outputPath : `${p.outputPath}.${ext}`;
    } else {
      const safe = safeFileName(projectName, 'episode');
      audio = path.join(this.dirs.root, 'exports', id, `${safe}.${ext}`);
    }
    const base = audio.slice(0, audio.length - path.extname(audio).length);
    if (p.preset === 'acx') {
      // One file per chapter next to the given path, named "<given name> - 01 - Title.mp3" (in the data folder,
      // "01 - Title.mp3"), and the text report beside them.
      const prefix = p.outputPath ? `${path.basename(base)} - ` : '';
      const dir = path.dirname(audio);
      return {
        chapters: chapterTitles.map((title, i) =>
          path.join(dir, prefix + chapterFileName(i + 1, chapterTitles.length, title)),
        ),
        report: path.join(dir, `${prefix}ACX report.txt`),
      };
    }
    for (const [given, want] of [
      [p.srtPath, '.srt'],
      [p.vttPath, '.vtt'],
      [p.wordsVttPath, '.vtt'],
      [p.stemsPath, '.zip'],
    ] as const)
      if (given && path.extname(given).toLowerCase() !== want)
        throw new ApiError('INVALID_INPUT', `${path.basename(given)}: this file must end in ${want}.`);
    return {
      chapters: undefined,
      report: undefined,
      audio,
      srt: p.subtitles.includes('srt') || p.srtPath ? (p.srtPath ?? `${base}.srt`) : undefined,
      vtt: p.subtitles.includes('vtt') || p.vttPath ? (p.vttPath ?? `${base}.vtt`) : undefined,
      'words-vtt':
        p.subtitles.includes('words-vtt') || p.wordsVttPath ? (p.wordsVttPath ?? `${base}.words.vtt`) : undefined,
      stems: p.stems !== 'none' ? (p.stemsPath ?? `${base}-stems.zip`) : undefined,
    };
  }

  /** Start an export; resolves as soon as it runs (watch `export.progress` / `export.done`, or `wait`). */
  async start(p: ExportParams): Promise<ExportJob> {
    const plan = episodePlan(this.repos, this.dirs, p.projectId);
    if (!plan.lines.length)
      throw new ApiError(
        'INVALID_INPUT',
        'Nothing to export: no line has a take yet. Generate the script first (Generate all).',
      );
    if (p.preset === 'acx') this.checkAcx(p);
    const id = newId('exp');
    const spans = p.preset === 'acx' ? chapterSpans(plan.lines, plan.projectName) : [];
    const t = this.targets(
      id,
      p,
      plan.projectName,
      spans.map((c) => c.title),
    );
    type Kind = keyof typeof EXPORT_FILE_WHAT;
    const finals: [Kind, string][] = [
      ...(t.chapters ?? []).map((f): [Kind, string] => ['chapter', f]),
      ...(['report', 'audio', 'srt', 'vtt', 'words-vtt', 'stems'] as const).flatMap((k): [Kind, string][] =>
        k in t && t[k as keyof typeof t] ? [[k, t[k as keyof typeof t] as string]] : [],
      ),
    ];
    const seen = new Set<string>();
    for (const entry of finals) {
      // An existing device, named pipe, folder (or a link to one) is refused: the rename would replace it. A link to
      // a regular file is followed, so the link stays (safe-fs.ts).
      entry[1] = await checkOutputTarget(entry[1], { what: EXPORT_FILE_WHAT[entry[0]] });
      const f = entry[1];
      if (seen.has(path.resolve(f)))
        throw new ApiError('INVALID_INPUT', `Two export files would have the same path: ${f}`);
      seen.add(path.resolve(f));
      const dir = path.dirname(f);
      await fsp.mkdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        throw new ApiError(
          e.code === 'ENOSPC' ? 'DISK_FULL' : 'INVALID_INPUT',
          `Cannot create the export folder ${dir}: ${e.code ?? e.message}`,
        );
      });
    }
    const tag = randomBytes(6).toString('hex');
    const stage = (f: string) => path.join(path.dirname(f), `.${path.basename(f)}.${tag}.tmp-timbre`);
    const stagedOf = finals.map(([, f]) => stage(f));
    const staging: ExportWorkerRequest['staging'] = {
      ...(Object.fromEntries(
        finals.flatMap(([k], i) => (k === 'chapter' ? [] : [[k === 'words-vtt' ? 'wordsVtt' : k, stagedOf[i]]])),
      ) as Omit<ExportWorkerRequest['staging'], 'chapters'>),
      chapters: finals.flatMap(([k], i) => (k === 'chapter' ? [stagedOf[i]] : [])),
    };
    const job = this.save({
      id,
      projectId: p.projectId,
      status: 'running',
      progress: 0,
      phase: 'loading',
      files: [],
      integratedLufs: null,
      truePeakDbtp: null,
      durationSeconds: null,
      error: null,
      createdAt: nowIso(),
    });
    this.emit('export.progress', job);

    // Word-timed subtitles: each take's aligned words, when take QC has them.
    if (staging.srt || staging.vtt || staging.wordsVtt) {
      const stored = this.repos.takes.qcOf(plan.lines.map((l) => l.takeId));
      for (const l of plan.lines) {
        const raw = stored.get(l.takeId);
        if (!raw) continue;
        try {
          const words = (JSON.parse(raw) as { words?: { word: string; start: number | null; end: number | null }[] })
            .words;
          l.words = Array.isArray(words) ? words.map((w) => ({ word: w.word, start: w.start, end: w.end })) : null;
        } catch {
          l.words = null;
        }
      }
    }
    const worker = new Worker(exportWorkerPath());
    const req: ExportWorkerRequest = {
      plan,
      options: {
        format: p.format,
        wavBits: p.wavBits,
        mp3Mode: p.mp3Mode,
        bitrateKbps: p.bitrateKbps,
        sampleRate: p.sampleRate,
        channels: p.channels,
        loudness: p.loudness,
        chapters: p.chapters,
        cover:
          ['jpg', 'png']
            .map((ext) => path.join(this.dirs.root, 'covers', `${plan.projectId}.${ext}`))
            .find((f) => existsSync(f)) ?? null,
        stems: p.stems,
        preset: p.preset,
      },
      staging,
      chapterNames: finals.flatMap(([k, f]) => (k === 'chapter' ? [path.basename(f)] : [])),
      known: combinedLoudness(plan, p.format === 'opus' ? 48_000 : p.sampleRate, loudnessReader(this.repos)),
      missingAnalysis: [...new Set(plan.lines.map((l) => l.takeId))].filter((id) => !this.repos.takes.hasAnalysis(id)),
    };
    const running: Running = {
      worker,
      staged: stagedOf,
      prefixes: finals.map(([, f]) => ({ dir: path.dirname(f), prefix: `.${path.basename(f)}.${tag}` })),
      cancelled: false,
      done: Promise.resolve(job),
    };
    running.done = new Promise<ExportJob>((resolve) => {
      let settled = false;
      const end = async (
        outcome: { ok: true; result: ExportWorkerMessage & { type: 'done' } } | { ok: false; error: ApiError },
      ) => {
        if (settled) return;
        settled = true;
        this.running.delete(id);
        void worker.terminate();
        let final: ExportJob;
        try {
          if (!outcome.ok) throw outcome.error;
          if (running.cancelled) throw new ApiError('CANCELLED', 'Export cancelled');
          const files: ExportFile[] = [];
          for (const [i, [kind, f]] of finals.entries()) {
            // Checked again: something may have been created at the path while the export ran.
            await checkOutputTarget(f, { what: EXPORT_FILE_WHAT[kind] });
            await fsp.rename(stagedOf[i], f);
            files.push({ path: f, kind: kind === 'chapter' ? 'audio' : kind, bytes: statSync(f).size });
          }
          for (const dir of new Set(finals.map(([, f]) => path.dirname(f)))) await fsyncDir(dir);
          const r = outcome.result.result;
          final = this.save({
            ...this.get(id),
            status: 'done',
            progress: 1,
            phase: 'done',
            files,
            integratedLufs: r.integratedLufs,
            truePeakDbtp: r.truePeakDbtp,
            durationSeconds: r.durationSeconds,
            ...(r.acx ? { acx: r.acx } : {}),
          });
        } catch (err) {
          this.cleanup(running);
          // Renamed files of a half-finished set go too: an export is all its files or none.
          const e = running.cancelled ? new ApiError('CANCELLED', 'Export cancelled') : toApiError(err);
          if (outcome.ok) for (const [, f] of finals) rmSync(f, { force: true });
          final = this.save({
            ...this.get(id),
            status: e.code === 'CANCELLED' ? 'cancelled' : 'failed',
            error: e.toJSON(),
            files: [],
          });
        }
        this.emit('export.done', final);
        resolve(final);
      };
      worker.on('message', (m: ExportWorkerMessage) => {
        if (m.type === 'analysis') {
          this.repos.takes.setAnalysis(m.takeId, Buffer.from(m.data));
          return;
        }
        if (m.type === 'progress') {
          if (running.cancelled) return;
          const cur = this.save({ ...this.get(id), phase: m.phase, progress: Math.min(0.99, m.progress) });
          this.emit('export.progress', cur);
        } else if (m.type === 'done') void end({ ok: true, result: m });
        else void end({ ok: false, error: new ApiError(m.error.code, m.error.message, m.error.details) });
      });
      worker.on('error', (err) => void end({ ok: false, error: toApiError(err) }));
      worker.on('exit', () => void end({ ok: false, error: new ApiError('CANCELLED', 'Export cancelled') }));
    });
    this.running.set(id, running);
    worker.postMessage({ type: 'start', req });
    return job;
  }

  /** Resolves with the finished export (done, failed or cancelled). */
  wait(id: string): Promise<ExportJob> {
    return this.running.get(id)?.done ?? Promise.resolve(this.get(id));
  }

  private cleanup(r: Running): void {
    for (const f of r.staged) rmSync(f, { force: true, recursive: true });
    // ffmpeg's own temp files, the chapters file and exportStems' folder start with the staging name (or a dot and
    // the staging name) too.
    for (const { dir, prefix } of r.prefixes) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names)
        if (n.startsWith(prefix) || n.startsWith(`.${prefix}`))
          rmSync(path.join(dir, n), { force: true, recursive: true });
    }
  }

  /** Cancel: the worker stops ffmpeg and removes its files; if it does not answer in 1.5 s it is terminated. */
  cancel(id: string): ExportJob {
    const r = this.running.get(id);
    const job = this.get(id);
    if (!r) return job;
    r.cancelled = true;
    r.worker.postMessage({ type: 'cancel' });
    const timer = setTimeout(() => void r.worker.terminate(), CANCEL_GRACE_MS);
    timer.unref();
    return job;
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) {
      r.cancelled = true;
      await r.worker.terminate();
    }
    await Promise.all(all.map((r) => r.done));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
