import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import {
  DictionaryEntry,
  MusicBedInfo,
  SynthesisOptions,
  type ApiErrorShape,
  type Speaker,
  type Job,
  type JobStatus,
  type Line,
  type Project,
  type ProjectDetail,
  type Settings,
  type Take,
} from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { newId, nowIso } from '../ids.js';
import {
  DEFAULT_GAP_MS,
  mergeOptions,
  parseInlineTags,
  resolveVoice,
  safeDictionary,
  spokenSegments,
  spokenTextOf,
  staleReasons,
  summarize,
  type MadeFrom,
} from '../studio/line-state.js';
import type { CompiledDictionary } from '../../common/script/pronunciation.js';
import { RetakeStore, toLineRetake, type RetakeRow } from '../studio/retake-store.js';

interface ProjectRow {
  id: string;
  name: string;
  voice_id: string | null;
  options: string;
  speakers: string;
  dictionary: string;
  gap_ms: number;
  music_bed: string | null;
  inputs_changed_at: string | null;
  /** Migration 0050; NULL until chosen (reported as `en`). */
  language: string | null;
  created_at: string;
  updated_at: string;
  line_count: number;
  auto_retake?: number;
}

/** Stored music bed: the info shown to the UI plus the file (relative to the data folder's music/). */
export interface StoredMusicBed extends MusicBedInfo {
  file: string;
}
interface LineRow {
  id: string;
  project_id: string;
  position: number;
  text: string;
  voice_id: string | null;
  options: string;
  active_take_id: string | null;
  speaker: string | null;
  locked: number;
  chapter: string | null;
  updated_at: string;
}
/** A line as the timeline lays it out (`LinesRepo.layoutRows`); `text` is the first 200 characters. */
export interface LayoutRow {
  id: string;
  position: number;
  speaker: string | null;
  chapter: string | null;
  text: string;
  take_id: string | null;
  duration_ms: number | null;
}
export interface TakeRow {
  id: string;
  line_id: string;
  project_id: string;
  file: string;
  engine_id: string;
  voice_id: string;
  text: string;
  sample_rate: number;
  duration_ms: number;
  settings: string;
  spoken_text: string | null;
  made_from: string | null;
  created_at: string;
}
interface JobRow {
  id: string;
  kind: 'synthesize';
  project_id: string | null;
  line_id: string | null;
  batch_id: string | null;
  status: JobStatus;
  progress: number;
  take_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lineCount: r.line_count,
  language: r.language ?? DEFAULT_PROJECT_LANGUAGE,
});

/** What a project whose language was never chosen (nor taken from its first voice) reports. */
export const DEFAULT_PROJECT_LANGUAGE = 'en';

/** Stored knobs, tolerant of older or hand-edited rows: unknown or invalid values are dropped. */
export function parseOptions(json: string): SynthesisOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return {};
  }
  const out: Record<string, unknown> = {};
  if (raw && typeof raw === 'object')
    for (const [k, v] of Object.entries(raw)) {
      const one = SynthesisOptions.safeParse({ [k]: v });
      if (one.success) Object.assign(out, one.data);
    }
  return out as SynthesisOptions;
}

export const toTake = (r: TakeRow): Take => ({
  id: r.id,
  lineId: r.line_id,
  projectId: r.project_id,
  engineId: r.engine_id,
  voiceId: r.voice_id,
  text: r.text,
  sampleRate: r.sample_rate,
  durationMs: r.duration_ms,
  options: parseOptions(r.settings),
  spokenText: r.spoken_text ?? r.text,
  createdAt: r.created_at,
});

function parseJsonArray<T>(json: string, item: { safeParse(v: unknown): { success: boolean; data?: T } }): T[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: T[] = [];
  for (const v of raw) {
    const r = item.safeParse(v);
    if (r.success) out.push(r.data as T);
  }
  return out;
}

export const parseSpeakers = (json: string): Speaker[] =>
  parseJsonArray(json, {
    safeParse: (v: unknown) => {
      const o = v as { name?: unknown; voiceId?: unknown } | null;
      return o && typeof o.name === 'string' && (o.voiceId === null || typeof o.voiceId === 'string')
        ? { success: true, data: { name: o.name, voiceId: o.voiceId } as Speaker }
        : { success: false };
    },
  });
export const parseDictionary = (json: string): DictionaryEntry[] => parseJsonArray(json, DictionaryEntry);
export function parseMusicBed(json: string | null): StoredMusicBed | null {
  if (!json) return null;
  try {
    const raw = JSON.parse(json) as StoredMusicBed;
    const info = MusicBedInfo.safeParse(raw);
    return info.success && typeof raw.file === 'string' ? { ...info.data, file: raw.file } : null;
  } catch {
    return null;
  }
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  projectId: r.project_id,
  lineId: r.line_id,
  batchId: r.batch_id,
  status: r.status,
  progress: r.progress,
  takeId: r.take_id,
  error: r.error ? (JSON.parse(r.error) as ApiErrorShape) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const twice = (t: string): [string, string] => [t, t];

/**
 * Prepared statements, one per SQL text and database, reused. Preparing on every call left one native statement per
 * call alive until the garbage collector ran: reading a 10-hour book's thousands of lines and takes grew the process
 * by tens of MB (the long-form bench's 10-hour RSS). Repositories never iterate, so a shared statement is never busy.
 */
const statements = new WeakMap<Db, Map<string, Statement>>();
function prep(db: Db, sql: string): Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) cache.set(sql, (st = db.prepare(sql)));
  return st;
}

const PROJECT_SELECT = `SELECT p.*, (SELECT COUNT(*) FROM lines l WHERE l.project_id = p.id) AS line_count FROM projects p`;

export class ProjectsRepo {
  constructor(private readonly db: Db) {}

  list(): Project[] {
    return (prep(this.db, `${PROJECT_SELECT} ORDER BY p.updated_at DESC`).all() as ProjectRow[]).map(toProject);
  }

  row(id: string): ProjectRow {
    const row = prep(this.db, `${PROJECT_SELECT} WHERE p.id = ?`).get(id) as ProjectRow | undefined;
    if (!row) throw notFound('Project', id);
    return row;
  }

  get(id: string): Project {
    return toProject(this.row(id));
  }

  detail(id: string, lines: LinesRepo): ProjectDetail {
    const row = this.row(id);
    const bed = parseMusicBed(row.music_bed);
    return {
      ...toProject(row),
      voiceId: row.voice_id,
      options: parseOptions(row.options),
      lines: lines.list(id),
      speakers: parseSpeakers(row.speakers),
      dictionary: parseDictionary(row.dictionary),
      gapMs: row.gap_ms ?? DEFAULT_GAP_MS,
      musicBed: bed && { name: bed.name, gainDb: bed.gainDb, duck: bed.duck, durationSeconds: bed.durationSeconds },
      inputsChangedAt: row.inputs_changed_at,
      autoRetake: row.auto_retake ?? 0,
    };
  }

  musicBed(id: string): StoredMusicBed | null {
    return parseMusicBed(this.row(id).music_bed);
  }

  /** Sets the speakers; a changed voice of a known speaker counts as a change of generation inputs. */
  setSpeakers(id: string, speakers: Speaker[]): void {
    const before = new Map(parseSpeakers(this.row(id).speakers).map((s) => [s.name, s.voiceId]));
    const voiceChanged = speakers.some((s) => before.has(s.name) && before.get(s.name) !== s.voiceId);
    const t = nowIso();
    prep(
      this.db,
      'UPDATE projects SET speakers = ?, updated_at = ?, inputs_changed_at = CASE WHEN ? THEN ? ELSE inputs_changed_at END WHERE id = ?',
    ).run(JSON.stringify(speakers), t, voiceChanged ? 1 : 0, t, id);
  }

  setDictionary(id: string, entries: DictionaryEntry[]): void {
    const t = nowIso();
    const r = prep(
      this.db,
      'UPDATE projects SET dictionary = ?, updated_at = ?, inputs_changed_at = ? WHERE id = ?',
    ).run(JSON.stringify(entries), t, t, id);
    if (r.changes === 0) throw notFound('Project', id);
  }

  setMix(id: string, patch: { gapMs?: number; musicBed?: StoredMusicBed | null }): void {
    const row = this.row(id);
    prep(this.db, 'UPDATE projects SET gap_ms = ?, music_bed = ?, updated_at = ? WHERE id = ?').run(
      patch.gapMs ?? row.gap_ms,
      patch.musicBed === undefined ? row.music_bed : patch.musicBed && JSON.stringify(patch.musicBed),
      nowIso(),
      id,
    );
  }

  create(name: string, language: string | null = null): Project {
    const id = newId('prj');
    const t = nowIso();
    prep(this.db, 'INSERT INTO projects (id, name, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      name,
      language,
      t,
      t,
    );
    return this.get(id);
  }

  /** The language chosen for the project, or null when none was (it then reports `en`). */
  chosenLanguage(id: string): string | null {
    return this.row(id).language;
  }

  setLanguage(id: string, language: string): Project {
    const r = this.db
      .prepare('UPDATE projects SET language = ?, updated_at = ? WHERE id = ?')
      .run(language, nowIso(), id);
    if (r.changes === 0) throw notFound('Project', id);
    return this.get(id);
  }

  /** Sets the language only if none was chosen yet (the first voice's language); true when it did. */
  adoptLanguage(id: string, language: string): boolean {
    return (
      this.db.prepare('UPDATE projects SET language = ? WHERE id = ? AND language IS NULL').run(language, id).changes >
      0
    );
  }

  rename(id: string, name: string): Project {
    const r = prep(this.db, 'UPDATE projects SET name = ?, updated_at = ? WHERE id = ?').run(name, nowIso(), id);
    if (r.changes === 0) throw notFound('Project', id);
    return this.get(id);
  }

  setVoice(id: string, voiceId: string | null): Project {
    const r = prep(this.db, 'UPDATE projects SET voice_id = ?, updated_at = ?, inputs_changed_at = ? WHERE id = ?').run(
      voiceId,
      ...twice(nowIso()),
      id,
    );
    if (r.changes === 0) throw notFound('Project', id);
    return this.get(id);
  }

  setOptions(id: string, options: SynthesisOptions): Project {
    const r = prep(this.db, 'UPDATE projects SET options = ?, updated_at = ?, inputs_changed_at = ? WHERE id = ?').run(
      JSON.stringify(options),
      ...twice(nowIso()),
      id,
    );
    if (r.changes === 0) throw notFound('Project', id);
    return this.get(id);
  }

  touch(id: string): void {
    prep(this.db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(nowIso(), id);
  }

  /** Deletes the project with its lines, takes and jobs (cascade). Returns the take files to remove. */
  delete(id: string): string[] {
    return this.db.transaction(() => {
      this.row(id);
      const files = (prep(this.db, 'SELECT file FROM takes WHERE project_id = ?').all(id) as { file: string }[]).map(
        (r) => r.file,
      );
      prep(this.db, 'DELETE FROM projects WHERE id = ?').run(id);
      return files;
    })();
  }
}

export interface LineContext {
  projectVoice: string | null;
  projectOptions: SynthesisOptions;
  /** Lower-cased speaker name → voice. */
  speakers: Map<string, string | null>;
  defaultVoice: string | null;
  dictionary: CompiledDictionary;
}

const TAKE_FIELDS = [
  'id',
  'line_id',
  'project_id',
  'file',
  'engine_id',
  'voice_id',
  'text',
  'sample_rate',
  'duration_ms',
  'settings',
  'spoken_text',
  'made_from',
  'created_at',
] as const;
const TAKE_COLS = TAKE_FIELDS.map((f) => `t.${f} AS t_${f}`).join(', ');
type PrefixedTake = { [K in (typeof TAKE_FIELDS)[number] as `t_${K}`]: TakeRow[K] | null };
function unprefixTake(r: PrefixedTake): TakeRow | null {
  if (r.t_id === null) return null;
  const out: Record<string, unknown> = {};
  for (const f of TAKE_FIELDS) out[f] = r[`t_${f}`];
  return out as unknown as TakeRow;
}

export type { LineRow };

export class LinesRepo {
  constructor(
    private readonly db: Db,
    private readonly takes: TakesRepo,
  ) {}

  /** What every line of a project is resolved against (voices, knobs, dictionary). */
  context(projectId: string): LineContext {
    const p = prep(this.db, 'SELECT voice_id, options, speakers, dictionary FROM projects WHERE id = ?').get(
      projectId,
    ) as Pick<ProjectRow, 'voice_id' | 'options' | 'speakers' | 'dictionary'> | undefined;
    if (!p) throw notFound('Project', projectId);
    const def = prep(this.db, "SELECT value FROM settings WHERE key = 'defaultVoiceId'").get() as
      { value: string } | undefined;
    return {
      projectVoice: p.voice_id,
      projectOptions: parseOptions(p.options),
      speakers: new Map(parseSpeakers(p.speakers).map((s) => [s.name.toLocaleLowerCase(), s.voiceId])),
      defaultVoice: def ? (JSON.parse(def.value) as string | null) : null,
      dictionary: safeDictionary(parseDictionary(p.dictionary)),
    };
  }

  /** How the line would be generated now: its voice, knobs, parsed tags and spoken segments. */
  plan(r: LineRow, ctx: LineContext) {
    const parsed = parseInlineTags(r.text);
    const segments = spokenSegments(parsed, ctx.dictionary);
    const options = mergeOptions(ctx.projectOptions, parseOptions(r.options));
    const voiceId = resolveVoice({
      lineVoice: r.voice_id,
      speaker: r.speaker,
      speakers: ctx.speakers,
      projectVoice: ctx.projectVoice,
      defaultVoice: ctx.defaultVoice,
    });
    return { parsed, segments, spokenText: spokenTextOf(segments), options, voiceId };
  }

  private toLine(
    r: LineRow,
    ctx: LineContext,
    activeRow: TakeRow | null,
    qc: 'ok' | 'flagged' | 'unchecked' | null = activeRow ? this.takes.qcStatus(activeRow.id) : null,
    retake: RetakeRow | null = new RetakeStore(this.db).get(r.id),
  ): Line {
    const plan = this.plan(r, ctx);
    const active = activeRow ? toTake(activeRow) : null;
    let madeFrom: MadeFrom | null = null;
    if (activeRow?.made_from)
      try {
        madeFrom = JSON.parse(activeRow.made_from) as MadeFrom;
      } catch {
        madeFrom = null;
      }
    const reasons = activeRow
      ? staleReasons(
          { text: r.text, voiceId: plan.voiceId, options: plan.options, spokenText: plan.spokenText },
          {
            text: activeRow.text,
            voiceId: activeRow.voice_id,
            spokenText: activeRow.spoken_text,
            madeFrom,
          },
        )
      : [];
    return {
      id: r.id,
      projectId: r.project_id,
      position: r.position,
      text: r.text,
      voiceId: r.voice_id,
      options: parseOptions(r.options),
      activeTakeId: active ? r.active_take_id : null,
      activeTake: active,
      speaker: r.speaker,
      locked: r.locked === 1,
      stale: reasons.length > 0,
      staleReasons: reasons,
      chapter: r.chapter,
      qc: activeRow ? qc : null,
      retake: retake ? toLineRetake(retake) : null,
      parsed: summarize(plan.parsed, r.text),
      updatedAt: r.updated_at,
    };
  }

  list(projectId: string): Line[] {
    const ctx = this.context(projectId);
    const rows = prep(
      this.db,
      `SELECT l.*, ${TAKE_COLS}, q.status AS qc_status FROM lines l LEFT JOIN takes t ON t.id = l.active_take_id
         LEFT JOIN take_qc q ON q.take_id = l.active_take_id
         WHERE l.project_id = ? ORDER BY l.position`,
    ).all(projectId) as (LineRow & PrefixedTake & { qc_status: 'ok' | 'flagged' | 'unchecked' | null })[];
    const retakes = new RetakeStore(this.db).ofProject(projectId);
    return rows.map((r) => this.toLine(r, ctx, unprefixTake(r), r.qc_status, retakes.get(r.id) ?? null));
  }

  /** What the timeline lays out, in script order: one light row per line with its active take's duration. */
  layoutRows(projectId: string): LayoutRow[] {
    return prep(
      this.db,
      `SELECT l.id, l.position, l.speaker, l.chapter, substr(l.text, 1, 200) AS text, t.id AS take_id, t.duration_ms
         FROM lines l LEFT JOIN takes t ON t.id = l.active_take_id WHERE l.project_id = ? ORDER BY l.position`,
    ).all(projectId) as LayoutRow[];
  }

  rows(projectId: string): LineRow[] {
    return prep(this.db, 'SELECT * FROM lines WHERE project_id = ? ORDER BY position').all(projectId) as LineRow[];
  }

  row(id: string): LineRow {
    const row = prep(this.db, 'SELECT * FROM lines WHERE id = ?').get(id) as LineRow | undefined;
    if (!row) throw notFound('Line', id);
    return row;
  }

  get(id: string): Line {
    const r = this.row(id);
    const active = r.active_take_id
      ? ((prep(this.db, 'SELECT * FROM takes WHERE id = ?').get(r.active_take_id) as TakeRow | undefined) ?? null)
      : null;
    return this.toLine(r, this.context(r.project_id), active);
  }

  add(projectId: string, text: string, position?: number, speaker: string | null = null): Line {
    return this.db.transaction(() => {
      const exists = prep(this.db, 'SELECT 1 FROM projects WHERE id = ?').get(projectId);
      if (!exists) throw notFound('Project', projectId);
      const { n } = prep(this.db, 'SELECT COUNT(*) AS n FROM lines WHERE project_id = ?').get(projectId) as {
        n: number;
      };
      const pos = position === undefined ? n : Math.min(position, n);
      prep(this.db, 'UPDATE lines SET position = position + 1 WHERE project_id = ? AND position >= ?').run(
        projectId,
        pos,
      );
      const id = newId('ln');
      const t = nowIso();
      prep(
        this.db,
        'INSERT INTO lines (id, project_id, position, text, speaker, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, projectId, pos, text, speaker, t);
      prep(this.db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(t, projectId);
      return this.get(id);
    })();
  }

  update(
    id: string,
    patch: {
      text?: string;
      voiceId?: string | null;
      options?: SynthesisOptions;
      speaker?: string | null;
      locked?: boolean;
      chapter?: string | null;
    },
  ): Line {
    return this.db.transaction(() => {
      const row = this.row(id);
      const t = nowIso();
      prep(
        this.db,
        'UPDATE lines SET text = ?, voice_id = ?, options = ?, speaker = ?, locked = ?, chapter = ?, updated_at = ? WHERE id = ?',
      ).run(
        patch.text ?? row.text,
        patch.voiceId === undefined ? row.voice_id : patch.voiceId,
        patch.options === undefined ? row.options : JSON.stringify(patch.options),
        patch.speaker === undefined ? row.speaker : patch.speaker,
        patch.locked === undefined ? row.locked : patch.locked ? 1 : 0,
        patch.chapter === undefined ? row.chapter : patch.chapter,
        t,
        id,
      );
      prep(this.db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(t, row.project_id);
      return this.get(id);
    })();
  }

  setActiveTake(id: string, takeId: string | null): void {
    prep(this.db, 'UPDATE lines SET active_take_id = ? WHERE id = ?').run(takeId, id);
  }

  /** Deletes the line and its takes; returns the take files to remove. */
  delete(id: string): { projectId: string; files: string[] } {
    return this.db.transaction(() => {
      const row = this.row(id);
      const files = (prep(this.db, 'SELECT file FROM takes WHERE line_id = ?').all(id) as { file: string }[]).map(
        (r) => r.file,
      );
      prep(this.db, 'DELETE FROM lines WHERE id = ?').run(id);
      prep(this.db, 'UPDATE lines SET position = position - 1 WHERE project_id = ? AND position > ?').run(
        row.project_id,
        row.position,
      );
      prep(this.db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(nowIso(), row.project_id);
      return { projectId: row.project_id, files };
    })();
  }

  /** Reorder: `lineIds` must be exactly the project's lines, in the new order. */
  reorder(projectId: string, lineIds: string[]): Line[] {
    return this.db.transaction(() => {
      const current = (
        prep(this.db, 'SELECT id FROM lines WHERE project_id = ?').all(projectId) as { id: string }[]
      ).map((r) => r.id);
      if (!prep(this.db, 'SELECT 1 FROM projects WHERE id = ?').get(projectId)) throw notFound('Project', projectId);
      const a = new Set(current);
      const b = new Set(lineIds);
      if (a.size !== b.size || lineIds.length !== b.size || current.some((id) => !b.has(id)))
        throw new ApiError(
          'CONFLICT',
          'The new order must list every line of the project exactly once (the script changed meanwhile: reload it)',
          { expected: current.length, got: lineIds.length },
        );
      const upd = prep(this.db, 'UPDATE lines SET position = ? WHERE id = ?');
      lineIds.forEach((id, i) => upd.run(i, id));
      prep(this.db, 'UPDATE projects SET updated_at = ? WHERE id = ?').run(nowIso(), projectId);
      return this.list(projectId);
    })();
  }
}

export class TakesRepo {
  constructor(private readonly db: Db) {}

  find(id: string): Take | null {
    const row = prep(this.db, 'SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined;
    return row ? toTake(row) : null;
  }

  row(id: string): TakeRow {
    const row = prep(this.db, 'SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined;
    if (!row) throw notFound('Take', id);
    return row;
  }

  /** The take's row, or null when there is none. */
  rowOrNull(id: string): TakeRow | null {
    return (prep(this.db, 'SELECT * FROM takes WHERE id = ?').get(id) as TakeRow | undefined) ?? null;
  }

  listForLine(lineId: string): Take[] {
    return (
      prep(this.db, 'SELECT * FROM takes WHERE line_id = ? ORDER BY created_at DESC, rowid DESC').all(
        lineId,
      ) as TakeRow[]
    ).map(toTake);
  }

  insert(row: Omit<TakeRow, 'created_at' | 'spoken_text' | 'made_from'> & Partial<TakeRow>): Take {
    prep(
      this.db,
      `INSERT INTO takes (id, line_id, project_id, file, engine_id, voice_id, text, sample_rate, duration_ms, settings, spoken_text, made_from, created_at)
         VALUES (@id, @line_id, @project_id, @file, @engine_id, @voice_id, @text, @sample_rate, @duration_ms, @settings, @spoken_text, @made_from, @created_at)`,
    ).run({ spoken_text: null, made_from: null, ...row, created_at: nowIso() });
    return this.find(row.id)!;
  }

  /** The stored analysis of a take (take_analysis), or null when it has none yet. */
  analysis(id: string): Buffer | null {
    const r = prep(this.db, 'SELECT data FROM take_analysis WHERE take_id = ?').get(id) as { data: Buffer } | undefined;
    return r?.data ?? null;
  }

  /** Whether the take has a stored analysis (without reading it). */
  /**
   * The stored analysis as hexadecimal text: a string lives on the JavaScript heap, which the young-generation
   * collector reclaims at once, where a Buffer per row is native memory that piles up until a full collection
   * (reading a 10-hour book's analyses that way grew the process by ~50 MB). Decode it into a reused buffer.
   */
  analysisHex(id: string): string | null {
    const r = prep(this.db, 'SELECT hex(data) AS h FROM take_analysis WHERE take_id = ?').get(id) as
      { h: string } | undefined;
    return r?.h ?? null;
  }

  hasAnalysis(id: string): boolean {
    return prep(this.db, 'SELECT 1 FROM take_analysis WHERE take_id = ?').get(id) !== undefined;
  }

  /** Store a take's analysis (no-op when the take is gone). */
  setAnalysis(id: string, data: Buffer): void {
    prep(
      this.db,
      'INSERT INTO take_analysis (take_id, data) SELECT id, ? FROM takes WHERE id = ? ON CONFLICT(take_id) DO UPDATE SET data = excluded.data',
    ).run(data, id);
  }

  /** Stored analyses of the given takes (those that have one), in one query per 500 ids. */
  analysesOf(ids: readonly string[]): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT take_id, data FROM take_analysis WHERE take_id IN (${part.map(() => '?').join(',')})`)
        .all(...part) as { take_id: string; data: Buffer }[];
      for (const r of rows) out.set(r.take_id, r.data);
    }
    return out;
  }

  /**
   * For each active take of a project that has a stored analysis: the analysis header's counts (bytes 24..35) and
   * its last `4 × n5` bytes, the 5/s peaks (`native-models/dsp/take-analysis.ts` layout), where n5 comes from the
   * take's duration; cut out inside SQLite so the energies and 50/s peaks (30 times more bytes) never reach
   * JavaScript. The caller checks n5 against the header (and reads the whole analysis when they differ).
   */
  peaks5OfProject(projectId: string): { take_id: string; h: Buffer; n: number; p: Buffer | null }[] {
    const frames = 'CAST(round(t.duration_ms * t.sample_rate / 1000.0) AS INTEGER)';
    const n5 = `((${frames} * 5 + t.sample_rate - 1) / t.sample_rate)`;
    return prep(
      this.db,
      `SELECT a.take_id, substr(a.data, 25, 12) AS h, length(a.data) AS n,
           CASE WHEN ${n5} > 0 AND 4 * ${n5} < length(a.data) THEN substr(a.data, -4 * ${n5}) END AS p
         FROM lines l JOIN takes t ON t.id = l.active_take_id JOIN take_analysis a ON a.take_id = t.id
         WHERE l.project_id = ?`,
    ).all(projectId) as { take_id: string; h: Buffer; n: number; p: Buffer | null }[];
  }

  /** The stored QC of a take (take_qc JSON), or null when it has none yet. */
  qc(id: string): string | null {
    const r = prep(this.db, 'SELECT data FROM take_qc WHERE take_id = ?').get(id) as { data: string } | undefined;
    return r?.data ?? null;
  }

  /** The QC status of a take, or null when it has not been checked. */
  qcStatus(id: string): 'ok' | 'flagged' | 'unchecked' | null {
    const r = prep(this.db, 'SELECT status FROM take_qc WHERE take_id = ?').get(id) as
      { status: 'ok' | 'flagged' | 'unchecked' } | undefined;
    return r?.status ?? null;
  }

  /** Store a take's QC (no-op when the take is gone). */
  setQc(id: string, status: 'ok' | 'flagged' | 'unchecked', data: string): void {
    prep(
      this.db,
      'INSERT INTO take_qc (take_id, status, data) SELECT id, ?, ? FROM takes WHERE id = ? ON CONFLICT(take_id) DO UPDATE SET status = excluded.status, data = excluded.data',
    ).run(status, data, id);
  }

  /** Stored QC of the given takes (those that have one), in one query per 500 ids. */
  qcOf(ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT take_id, data FROM take_qc WHERE take_id IN (${part.map(() => '?').join(',')})`)
        .all(...part) as { take_id: string; data: string }[];
      for (const r of rows) out.set(r.take_id, r.data);
    }
    return out;
  }

  /** Files of every take, including takes of deleted lines kept for undo (the trash). */
  allFiles(): Set<string> {
    const files = new Set((prep(this.db, 'SELECT file FROM takes').all() as { file: string }[]).map((r) => r.file));
    for (const r of prep(this.db, 'SELECT takes FROM line_trash').all() as { takes: string }[])
      for (const t of JSON.parse(r.takes) as { file: string }[]) files.add(t.file);
    return files;
  }
}

export class JobsRepo {
  constructor(private readonly db: Db) {}

  /** `lineText`: the text the line had when queued (a resume after a crash skips the line if it changed). */
  create(projectId: string, lineId: string, batchId: string | null = null, lineText: string | null = null): Job {
    const id = newId('job');
    const t = nowIso();
    prep(
      this.db,
      `INSERT INTO jobs (id, kind, project_id, line_id, batch_id, status, progress, created_at, updated_at, line_text)
         VALUES (?, 'synthesize', ?, ?, ?, 'queued', 0, ?, ?, ?)`,
    ).run(id, projectId, lineId, batchId, t, t, lineText);
    return this.get(id);
  }

  /**
   * Interrupted jobs in the order they were queued (all, or one project's, or the given ids), with the text each line
   * had when queued (null for jobs queued before that was recorded).
   */
  interrupted(filter: { projectId?: string; ids?: readonly string[] } = {}): (Job & { lineText: string | null })[] {
    const rows = (
      filter.projectId
        ? prep(
            this.db,
            `SELECT * FROM jobs WHERE status = 'interrupted' AND project_id = ? ORDER BY created_at, rowid`,
          ).all(filter.projectId)
        : prep(this.db, `SELECT * FROM jobs WHERE status = 'interrupted' ORDER BY created_at, rowid`).all()
    ) as (JobRow & { line_text: string | null })[];
    const only = filter.ids ? new Set(filter.ids) : null;
    return rows.filter((r) => !only || only.has(r.id)).map((r) => ({ ...toJob(r), lineText: r.line_text }));
  }

  /** How many jobs are interrupted (of one project, or all). */
  countInterrupted(projectId?: string): number {
    const r = (
      projectId
        ? prep(this.db, `SELECT COUNT(*) AS n FROM jobs WHERE status = 'interrupted' AND project_id = ?`).get(projectId)
        : prep(this.db, `SELECT COUNT(*) AS n FROM jobs WHERE status = 'interrupted'`).get()
    ) as { n: number };
    return r.n;
  }

  /** Whether the line has a job queued after `createdAt` (a newer generation supersedes an interrupted one). */
  hasNewerJob(lineId: string, jobId: string, createdAt: string): boolean {
    return !!prep(
      this.db,
      `SELECT 1 FROM jobs WHERE line_id = ? AND id != ? AND (created_at > ? OR (created_at = ? AND rowid > (SELECT rowid FROM jobs WHERE id = ?))) LIMIT 1`,
    ).get(lineId, jobId, createdAt, createdAt, jobId);
  }

  find(id: string): Job | null {
    const row = prep(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  get(id: string): Job {
    const job = this.find(id);
    if (!job) throw notFound('Job', id);
    return job;
  }

  update(
    id: string,
    patch: { status?: JobStatus; progress?: number; takeId?: string; error?: ApiErrorShape | null },
  ): Job {
    const cur = this.get(id);
    prep(this.db, 'UPDATE jobs SET status = ?, progress = ?, take_id = ?, error = ?, updated_at = ? WHERE id = ?').run(
      patch.status ?? cur.status,
      patch.progress ?? cur.progress,
      patch.takeId ?? cur.takeId,
      patch.error === undefined
        ? cur.error
          ? JSON.stringify(cur.error)
          : null
        : patch.error && JSON.stringify(patch.error),
      nowIso(),
      id,
    );
    return this.get(id);
  }

  /** Queued and running jobs, then the most recent finished ones. */
  list(projectId?: string, recent = 50): Job[] {
    const where = projectId ? 'WHERE project_id = ?' : '';
    const args = projectId ? [projectId] : [];
    const rows = prep(
      this.db,
      `SELECT * FROM jobs ${where} ORDER BY CASE WHEN status IN ('queued','running') THEN 0 ELSE 1 END, created_at DESC, rowid DESC LIMIT ${recent}`,
    ).all(...args) as JobRow[];
    return rows.map(toJob);
  }

  /**
   * What the studio re-attaches to after a reload: the latest job of every line of the project (so the queue can
   * describe a whole batch, however long, not just the most recent rows) plus every queued or running job. Bounded
   * by the project's line count (LIMITS.linesPerProjectMax); each line's latest job is found through `jobs_line`.
   */
  latestPerLine(projectId: string): Job[] {
    const rows = prep(
      this.db,
      `SELECT j.rowid AS seq, j.* FROM lines l JOIN jobs j ON j.rowid = (
           SELECT rowid FROM jobs WHERE line_id = l.id ORDER BY created_at DESC, rowid DESC LIMIT 1)
         WHERE l.project_id = ?
         UNION
         SELECT rowid AS seq, * FROM jobs WHERE project_id = ? AND status IN ('queued', 'running')
         ORDER BY created_at, seq`,
    ).all(projectId, projectId) as JobRow[];
    return rows.map(toJob);
  }

  listBatch(batchId: string): Job[] {
    return (prep(this.db, 'SELECT * FROM jobs WHERE batch_id = ? ORDER BY rowid').all(batchId) as JobRow[]).map(toJob);
  }

  /** After a crash: every job that was queued or running is marked interrupted. Returns how many. */
  markInterrupted(): number {
    return this.markInterruptedIds().length;
  }

  /** Same as markInterrupted (inside the caller's transaction), returning the ids in the order they were queued. */
  markInterruptedIds(): string[] {
    const ids = (
      prep(this.db, `SELECT id FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at, rowid`).all() as {
        id: string;
      }[]
    ).map((r) => r.id);
    prep(
      this.db,
      `UPDATE jobs SET status = 'interrupted', error = ?, updated_at = ? WHERE status IN ('queued', 'running')`,
    ).run(
      JSON.stringify({
        code: 'CANCELLED',
        message: 'Timbre stopped while this was generating: resume or generate it again.',
      }),
      nowIso(),
    );
    return ids;
  }
}

const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  locale: 'en',
  defaultVoiceId: null,
  executionProvider: 'auto',
  inferenceThreads: null,
  resumeInterruptedJobs: true,
};

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  get(): Settings {
    const rows = prep(this.db, 'SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows) if (r.key in DEFAULT_SETTINGS) out[r.key] = JSON.parse(r.value);
    return out as Settings;
  }

  update(patch: Partial<Settings>): Settings {
    const upsert = prep(
      this.db,
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) upsert.run(k, JSON.stringify(v));
    })();
    return this.get();
  }
}

export interface Repos {
  projects: ProjectsRepo;
  lines: LinesRepo;
  takes: TakesRepo;
  jobs: JobsRepo;
  settings: SettingsRepo;
}

export function createRepos(db: Db): Repos {
  const takes = new TakesRepo(db);
  return {
    projects: new ProjectsRepo(db),
    lines: new LinesRepo(db, takes),
    takes,
    jobs: new JobsRepo(db),
    settings: new SettingsRepo(db),
  };
}
