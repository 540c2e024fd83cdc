/**
 * The Studio's script and take operations behind the API: importing scripts, speakers, the pronunciation
 * dictionary, mix settings, splitting/merging/deleting/restoring lines and managing takes. All multi-row changes
 * run in one SQLite transaction. Deleted lines go to a trash table with their takes (the WAV files stay), so undo
 * (`lines.restore`) brings them back exactly.
 */
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import type { DictionaryEntry, Line, ProjectDetail, ScriptPreview, Speaker } from '../../../preload/contract/index.js';
import { LIMITS } from '../../../preload/contract/index.js';
import { ApiError, notFound } from '../../../native-models/common/errors.js';
import { splitScriptSteps, type SplitScript } from '../../common/script/splitter.js';
import { joinText, nearestGraphemeBoundary } from '../../common/script/text.js';
import { writeFileAtomic } from '../atomic-fs.js';
import { decodeAudioToWavFile } from '../audio/decode.js';
import type { Db } from '../db/database.js';
import { parseSpeakers, type LineRow, type Repos, type StoredMusicBed, type TakeRow } from '../db/repositories.js';
import { newId, nowIso } from '../ids.js';
import { parseVoiceId } from '../jobs/queue.js';
import { compileProjectDictionary, parseInlineTags, summarize } from './line-state.js';
import { readScriptSource, toScriptText, type ScriptFormat, type ScriptSourceInput } from './script-source.js';
import { epubToScript } from './epub.js';
import { promises as fsp } from 'node:fs';
import os from 'node:os';

export const MUSIC_RATE = 44_100;

interface TrashRow {
  line_id: string;
  project_id: string;
  position: number;
  line: string;
  takes: string;
  deleted_at: string;
}

/** Longest the splitter runs before it lets other calls and events through (the core process serves everyone). */
const SPLIT_SLICE_MS = 10;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function tooManyLines(lines: string, existing = 0): ApiError {
  return new ApiError(
    'INVALID_INPUT',
    `The script has ${lines} lines; a project holds at most ${LIMITS.linesPerProjectMax.toLocaleString('en')}${existing ? ` (it has ${existing.toLocaleString('en')})` : ''}. Split the script into several projects.`,
    { existing, max: LIMITS.linesPerProjectMax },
  );
}

/**
 * Split a script without holding the process: the splitter (linear in the text's length) runs in slices of about
 * 10 ms, and stops as soon as the script has more lines than a project may hold, so neither time nor memory grows
 * past that bound. Other calls (and the event stream) are answered between slices.
 */
export async function splitScriptAsync(
  text: string,
  maxLines = LIMITS.linesPerProjectMax,
  split: 'turn' | 'sentence' = 'turn',
): Promise<SplitScript> {
  const steps = splitScriptSteps(text, { split });
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (step.value > maxLines) throw tooManyLines(`more than ${maxLines.toLocaleString('en')}`);
    if (performance.now() - sliceStart > SPLIT_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

export async function previewScript(
  text: string,
  format: ScriptFormat,
  mode: 'turn' | 'sentence' = 'turn',
): Promise<ScriptPreview> {
  const split = await splitScriptAsync(toScriptText(text, format), LIMITS.linesPerProjectMax, mode);
  const chapterAt = chapterTitles(split);
  const lines: ScriptPreview['lines'] = [];
  let sliceStart = performance.now();
  for (const [i, l] of split.lines.entries()) {
    lines.push({
      text: l.text,
      speaker: l.speaker ?? null,
      chapter: chapterAt.get(i) ?? null,
      paragraph: l.paragraph,
      parsed: summarize(parseInlineTags(l.text), l.text),
    });
    if (performance.now() - sliceStart > SPLIT_SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return {
    lines,
    speakers: split.speakers,
    chapters: split.chapters.filter((c) => c.lineIndex < split.lines.length),
  };
}

/** Line index → chapter title (several headings before the same line are joined with " / "). */
function chapterTitles(split: SplitScript): Map<number, string> {
  const m = new Map<number, string>();
  for (const c of split.chapters) {
    if (c.lineIndex >= split.lines.length) continue;
    const prev = m.get(c.lineIndex);
    m.set(c.lineIndex, prev ? `${prev} / ${c.title}` : c.title);
  }
  return m;
}

export class StudioService {
  constructor(
    private readonly db: Db,
    private readonly repos: Repos,
    private readonly paths: { root: string; takes: string },
  ) {}

  /**
   * Empty the trash of lines deleted more than `maxAgeDays` ago (at startup). Returns the take files to remove.
   */
  purgeTrash(maxAgeDays = 30): string[] {
    const cutoff = new Date(Date.now() - maxAgeDays * 86_400_000).toISOString();
    return this.db.transaction(() => {
      const old = this.db.prepare('SELECT takes FROM line_trash WHERE deleted_at < ?').all(cutoff) as {
        takes: string;
      }[];
      this.db.prepare('DELETE FROM line_trash WHERE deleted_at < ?').run(cutoff);
      return old.flatMap((r) => (JSON.parse(r.takes) as TakeRow[]).map((t) => t.file));
    })();
  }

  /** Drop the takes made with a voice from the trash too (the voice is being erased). Returns their files. */
  purgeTrashTakesOfVoice(voiceId: string): string[] {
    return this.db.transaction(() => {
      const files: string[] = [];
      const rows = this.db.prepare('SELECT line_id, line, takes FROM line_trash').all() as TrashRow[];
      const upd = this.db.prepare('UPDATE line_trash SET takes = ?, line = ? WHERE line_id = ?');
      for (const r of rows) {
        const takes = JSON.parse(r.takes) as TakeRow[];
        const gone = takes.filter((t) => t.voice_id === voiceId);
        if (!gone.length) continue;
        files.push(...gone.map((t) => t.file));
        const keep = takes.filter((t) => t.voice_id !== voiceId);
        const line = JSON.parse(r.line) as LineRow;
        if (gone.some((t) => t.id === line.active_take_id)) line.active_take_id = keep[0]?.id ?? null;
        if (line.voice_id === voiceId) line.voice_id = null;
        upd.run(JSON.stringify(keep), JSON.stringify(line), r.line_id);
      }
      return files;
    })();
  }

  /** A voice was erased: speakers mapped to it fall back to the project's voice. */
  forgetVoice(voiceId: string): string[] {
    const changed: string[] = [];
    for (const p of this.db.prepare('SELECT id, speakers FROM projects').all() as { id: string; speakers: string }[]) {
      const speakers = parseSpeakers(p.speakers);
      if (!speakers.some((s) => s.voiceId === voiceId)) continue;
      this.repos.projects.setSpeakers(
        p.id,
        speakers.map((s) => (s.voiceId === voiceId ? { ...s, voiceId: null } : s)),
      );
      changed.push(p.id);
    }
    return changed;
  }

  detail(projectId: string): ProjectDetail {
    return this.repos.projects.detail(projectId, this.repos.lines);
  }

  /** The project's cover image (from an imported EPUB), or null. */
  coverFile(projectId: string): string | null {
    for (const ext of ['jpg', 'png']) {
      const f = path.join(this.paths.root, 'covers', `${projectId}.${ext}`);
      if (existsSync(f)) return f;
    }
    return null;
  }

  musicFile(projectId: string): string | null {
    const bed = this.repos.projects.musicBed(projectId);
    return bed ? path.join(this.paths.root, 'music', bed.file) : null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Script import
  // -------------------------------------------------------------------------------------------------------------

  async importScript(
    projectId: string,
    source: ScriptSourceInput,
    mode: 'append' | 'replace',
    splitBy: 'turn' | 'sentence' = 'turn',
  ): Promise<ProjectDetail> {
    this.repos.projects.row(projectId);
    const content = await readScriptSource(source);
    const split =
      'book' in content
        ? epubToScript(content.book)
        : await splitScriptAsync(content.text, LIMITS.linesPerProjectMax, splitBy);
    if (split.lines.length === 0)
      throw new ApiError(
        'INVALID_INPUT',
        'book' in content
          ? `The book "${content.book.title}" has no text to speak (only images or an empty table of contents).`
          : content.text.trim()
            ? 'The script has headings but no text to speak: add the lines under them.'
            : 'The script is empty: there is no text to turn into lines.',
      );
    const chapterAt = chapterTitles(split);
    this.db.transaction(() => {
      const project = this.repos.projects.row(projectId); // still there?
      if (mode === 'replace') for (const r of this.repos.lines.rows(projectId)) this.trashLine(r);
      // (replace leaves no lines, so there is nothing to renumber)
      const { n } = this.db.prepare('SELECT COUNT(*) AS n FROM lines WHERE project_id = ?').get(projectId) as {
        n: number;
      };
      if (n + split.lines.length > LIMITS.linesPerProjectMax)
        throw tooManyLines(split.lines.length.toLocaleString('en'), n);
      const t = nowIso();
      const ins = this.db.prepare(
        'INSERT INTO lines (id, project_id, position, text, speaker, chapter, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      split.lines.forEach((l, i) => {
        if (l.text.length > LIMITS.lineTextMax)
          throw new ApiError(
            'INVALID_INPUT',
            `Line ${i + 1} of the script is longer than ${LIMITS.lineTextMax} characters.`,
          );
        ins.run(newId('ln'), projectId, n + i, l.text, l.speaker ?? null, chapterAt.get(i) ?? null, t);
      });
      // New speakers are added (without a voice yet); known ones keep theirs.
      const speakers = parseSpeakers(project.speakers);
      const known = new Set(speakers.map((s) => s.name.toLocaleLowerCase()));
      for (const name of split.speakers)
        if (!known.has(name.toLocaleLowerCase())) {
          speakers.push({ name, voiceId: null });
          known.add(name.toLocaleLowerCase());
        }
      if (speakers.length > LIMITS.speakersMax)
        throw new ApiError('INVALID_INPUT', `The script has more than ${LIMITS.speakersMax} speakers.`);
      this.repos.projects.setSpeakers(projectId, speakers);
    })();
    // A book's cover is kept for the audiobook export (M4B cover art); a later book replaces it.
    if ('book' in content && content.book.cover) {
      const ext = content.book.cover.mediaType === 'image/png' ? 'png' : 'jpg';
      const dir = path.join(this.paths.root, 'covers');
      await fsp.mkdir(dir, { recursive: true });
      await writeFileAtomic(path.join(dir, `${projectId}.${ext}`), content.book.cover.bytes);
      rmSync(path.join(dir, `${projectId}.${ext === 'png' ? 'jpg' : 'png'}`), { force: true });
    }
    return this.detail(projectId);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Project settings
  // -------------------------------------------------------------------------------------------------------------

  setSpeakers(projectId: string, speakers: Speaker[]): ProjectDetail {
    const seen = new Set<string>();
    for (const s of speakers) {
      const k = s.name.toLocaleLowerCase();
      if (seen.has(k))
        throw new ApiError('INVALID_INPUT', `The speaker "${s.name}" is listed twice: keep one.`, { name: s.name });
      seen.add(k);
      if (s.voiceId !== null) parseVoiceId(s.voiceId);
    }
    this.repos.projects.setSpeakers(projectId, speakers);
    return this.detail(projectId);
  }

  setDictionary(projectId: string, entries: DictionaryEntry[]): ProjectDetail {
    this.repos.projects.row(projectId);
    compileProjectDictionary(entries); // INVALID_INPUT naming a looping, duplicate or empty entry
    this.repos.projects.setDictionary(projectId, entries);
    return this.detail(projectId);
  }

  previewDictionary(projectId: string, text: string, entries?: DictionaryEntry[]) {
    const dict = compileProjectDictionary(entries ?? this.detail(projectId).dictionary);
    const parsed = parseInlineTags(text);
    const applied = dict.apply(parsed.text);
    return {
      text: applied.text,
      fired: applied.fired.map((f) => ({ word: f.word, respelling: f.respelling, count: f.count })),
    };
  }

  async setMix(
    projectId: string,
    patch: {
      gapMs?: number;
      musicBed?: {
        source?: { path: string } | { fileName: string; base64: string };
        gainDb: number;
        duck: boolean;
      } | null;
    },
  ): Promise<ProjectDetail> {
    this.repos.projects.row(projectId);
    let bed: StoredMusicBed | null | undefined;
    if (patch.musicBed === null) bed = null;
    else if (patch.musicBed) {
      const current = this.repos.projects.musicBed(projectId);
      const src = patch.musicBed.source;
      if (!src) {
        if (!current) throw new ApiError('INVALID_INPUT', 'Choose a music file for the music bed.');
        bed = { ...current, gainDb: patch.musicBed.gainDb, duck: patch.musicBed.duck };
      } else {
        let file: string;
        let name: string;
        let tmp: string | null = null;
        if ('path' in src) {
          file = src.path;
          name = path.basename(src.path);
        } else {
          name = path.basename(src.fileName);
          const bytes = Buffer.from(src.base64, 'base64');
          if (bytes.length > LIMITS.musicUploadBytesMax)
            throw new ApiError(
              'INVALID_INPUT',
              `"${name}" is too large (at most ${LIMITS.musicUploadBytesMax / 1048576} MiB).`,
            );
          tmp = path.join(await fsp.mkdtemp(path.join(os.tmpdir(), 'timbre-music-')), name.replace(/[^\w.-]+/g, '_'));
          await fsp.writeFile(tmp, bytes);
          file = tmp;
        }
        // Decoded block by block straight into a temporary file next to the stored beds (never whole in memory),
        // renamed into place once it is complete and long enough.
        const stored = `${projectId}-${newId('bed')}.wav`;
        const musicDir = path.join(this.paths.root, 'music');
        const partial = path.join(musicDir, `.${stored}.tmp-timbre`);
        let frames: number;
        try {
          await fsp.mkdir(musicDir, { recursive: true });
          try {
            frames = (await decodeAudioToWavFile({ file }, partial, MUSIC_RATE)).frames;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
              throw new ApiError('DISK_FULL', `The disk is full: "${name}" could not be stored as the music bed.`);
            const e = err instanceof ApiError ? err : new ApiError('INVALID_INPUT', String(err));
            throw new ApiError('INVALID_INPUT', `"${name}" could not be read as audio: ${e.message}`);
          }
          if (frames < MUSIC_RATE / 2)
            throw new ApiError('INVALID_INPUT', `"${name}" is shorter than half a second: choose a longer music file.`);
          await fsp.rename(partial, path.join(musicDir, stored));
        } finally {
          rmSync(partial, { force: true });
          if (tmp) rmSync(path.dirname(tmp), { recursive: true, force: true });
        }
        if (current) rmSync(path.join(musicDir, current.file), { force: true });
        bed = {
          name,
          gainDb: patch.musicBed.gainDb,
          duck: patch.musicBed.duck,
          durationSeconds: frames / MUSIC_RATE,
          file: stored,
        };
      }
    }
    if (bed === null) {
      const current = this.repos.projects.musicBed(projectId);
      if (current) rmSync(path.join(this.paths.root, 'music', current.file), { force: true });
    }
    this.repos.projects.setMix(projectId, { gapMs: patch.gapMs, musicBed: bed });
    return this.detail(projectId);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lines: delete (to the trash), restore, split, merge
  // -------------------------------------------------------------------------------------------------------------

  /**
   * Move a line and its takes to the trash (inside the caller's transaction). Positions of the remaining lines are
   * not touched: call `renumber` once after a batch.
   */
  private trashLine(r: LineRow): void {
    const takes = this.db.prepare('SELECT * FROM takes WHERE line_id = ?').all(r.id) as TakeRow[];
    this.db
      .prepare(
        'INSERT OR REPLACE INTO line_trash (line_id, project_id, position, line, takes, deleted_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(r.id, r.project_id, r.position, JSON.stringify(r), JSON.stringify(takes), nowIso());
    this.db.prepare('DELETE FROM lines WHERE id = ?').run(r.id);
  }

  /** Give the project's lines positions 0..n-1 in `order` (default: their current order), writing only changes. */
  private renumber(projectId: string, order?: string[]): void {
    const rows = this.db
      .prepare('SELECT id, position FROM lines WHERE project_id = ? ORDER BY position, rowid')
      .all(projectId) as { id: string; position: number }[];
    const ids = order ?? rows.map((r) => r.id);
    const current = new Map(rows.map((r) => [r.id, r.position]));
    const upd = this.db.prepare('UPDATE lines SET position = ? WHERE id = ?');
    ids.forEach((id, i) => {
      if (current.get(id) !== i) upd.run(i, id);
    });
  }

  deleteLines(ids: string[]): { projectIds: string[]; deleted: number } {
    return this.db.transaction(() => {
      const rows = ids.map((id) => this.repos.lines.row(id));
      // Highest position first so the recorded positions are those before any of these deletions.
      rows.sort((a, b) => b.position - a.position);
      for (const r of rows) this.trashLine(r);
      const projectIds = [...new Set(rows.map((r) => r.project_id))];
      for (const p of projectIds) {
        this.renumber(p);
        this.repos.projects.touch(p);
      }
      return { projectIds, deleted: rows.length };
    })();
  }

  restoreLines(ids: string[]): Line[] {
    return this.db.transaction(() => {
      const rows = ids.map((id) => {
        const r = this.db.prepare('SELECT * FROM line_trash WHERE line_id = ?').get(id) as TrashRow | undefined;
        if (!r) {
          if (this.db.prepare('SELECT 1 FROM lines WHERE id = ?').get(id))
            throw new ApiError('CONFLICT', `Line "${id}" is not deleted, so there is nothing to restore.`);
          throw notFound('Deleted line', id);
        }
        return r;
      });
      // Lowest position first: each goes back where it was relative to the lines restored before it.
      rows.sort((a, b) => a.position - b.position);
      const restored: string[] = [];
      const orders = new Map<string, string[]>();
      const insLine = this.db.prepare(
        `INSERT INTO lines (id, project_id, position, text, voice_id, options, active_take_id, speaker, locked, chapter, updated_at)
         VALUES (@id, @project_id, @position, @text, @voice_id, @options, NULL, @speaker, @locked, @chapter, @updated_at)`,
      );
      const insTake = this.db.prepare(
        `INSERT INTO takes (id, line_id, project_id, file, engine_id, voice_id, text, sample_rate, duration_ms, settings, spoken_text, made_from, created_at)
         VALUES (@id, @line_id, @project_id, @file, @engine_id, @voice_id, @text, @sample_rate, @duration_ms, @settings, @spoken_text, @made_from, @created_at)`,
      );
      for (const r of rows) {
        const line = JSON.parse(r.line) as LineRow;
        let order = orders.get(r.project_id);
        if (!order) {
          order = this.repos.lines.rows(r.project_id).map((l) => l.id);
          orders.set(r.project_id, order);
        }
        const pos = Math.min(r.position, order.length);
        order.splice(pos, 0, line.id);
        insLine.run({ ...line, position: -1, updated_at: nowIso() });
        for (const t of JSON.parse(r.takes) as TakeRow[])
          insTake.run({ ...t, spoken_text: t.spoken_text ?? null, made_from: t.made_from ?? null });
        if (line.active_take_id) this.repos.lines.setActiveTake(line.id, line.active_take_id);
        this.db.prepare('DELETE FROM line_trash WHERE line_id = ?').run(r.line_id);
        restored.push(line.id);
      }
      for (const [projectId, order] of orders) {
        this.renumber(projectId, order);
        this.repos.projects.touch(projectId);
      }
      return restored.map((id) => this.repos.lines.get(id));
    })();
  }

  /**
   * Split a line in two at `at` (UTF-16 offset). The cut snaps to the nearest grapheme boundary, so an emoji, a flag
   * or a letter with combining marks is never torn apart (which would leave U+FFFD halves).
   */
  splitLine(id: string, requestedAt: number): [Line, Line] {
    return this.db.transaction(() => {
      const r = this.repos.lines.row(id);
      const at = requestedAt >= r.text.length ? requestedAt : nearestGraphemeBoundary(r.text, requestedAt);
      const first = r.text.slice(0, at).trim();
      const second = r.text.slice(at).trim();
      if (at >= r.text.length || !first || !second)
        throw new ApiError(
          'INVALID_INPUT',
          `Cannot split line ${r.position + 1} at ${at}: both parts need text (the line has ${r.text.length} characters).`,
        );
      const t = nowIso();
      this.db.prepare('UPDATE lines SET text = ?, updated_at = ? WHERE id = ?').run(first, t, id);
      this.db
        .prepare('UPDATE lines SET position = position + 1 WHERE project_id = ? AND position > ?')
        .run(r.project_id, r.position);
      const newLine = newId('ln');
      this.db
        .prepare(
          'INSERT INTO lines (id, project_id, position, text, voice_id, options, speaker, locked, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)',
        )
        .run(newLine, r.project_id, r.position + 1, second, r.voice_id, r.options, r.speaker, t);
      this.repos.projects.touch(r.project_id);
      return [this.repos.lines.get(id), this.repos.lines.get(newLine)] as [Line, Line];
    })();
  }

  mergeLines(ids: string[]): Line {
    return this.db.transaction(() => {
      const rows = [...new Set(ids)].map((id) => this.repos.lines.row(id)).sort((a, b) => a.position - b.position);
      if (rows.length < 2) throw new ApiError('INVALID_INPUT', 'Choose at least two lines to merge.');
      if (rows.some((r) => r.project_id !== rows[0].project_id))
        throw new ApiError('INVALID_INPUT', 'Only lines of the same project can be merged.');
      if (rows.some((r, i) => i > 0 && r.position !== rows[i - 1].position + 1))
        throw new ApiError('INVALID_INPUT', 'Only adjacent lines can be merged: select lines that follow each other.');
      const text = rows.reduce((acc, r) => joinText(acc, r.text.trim()), '');
      if (text.length > LIMITS.lineTextMax)
        throw new ApiError('INVALID_INPUT', `The merged line would be longer than ${LIMITS.lineTextMax} characters.`);
      const [head, ...rest] = rows;
      for (const r of rest) this.trashLine(r);
      this.renumber(head.project_id);
      this.db.prepare('UPDATE lines SET text = ?, updated_at = ? WHERE id = ?').run(text, nowIso(), head.id);
      this.repos.projects.touch(head.project_id);
      return this.repos.lines.get(head.id);
    })();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Takes
  // -------------------------------------------------------------------------------------------------------------

  setActiveTake(lineId: string, takeId: string | null): Line {
    const line = this.repos.lines.row(lineId);
    if (takeId !== null) {
      const take = this.repos.takes.row(takeId);
      if (take.line_id !== lineId)
        throw new ApiError(
          'INVALID_INPUT',
          `Take "${takeId}" belongs to another line, not to line ${line.position + 1}.`,
        );
    }
    this.repos.lines.setActiveTake(lineId, takeId);
    this.repos.projects.touch(line.project_id);
    return this.repos.lines.get(lineId);
  }

  /** Delete takes; returns the files to remove and the lines that changed. */
  deleteTakes(ids: string[], force: boolean): { files: string[]; lines: Line[]; projectIds: string[] } {
    return this.db.transaction(() => {
      const takes = [...new Set(ids)].map((id) => this.repos.takes.row(id));
      const lineIds = [...new Set(takes.map((t) => t.line_id))];
      const lines = new Map(lineIds.map((id) => [id, this.repos.lines.row(id)]));
      if (!force) {
        const blocked = takes.filter((t) => {
          const l = lines.get(t.line_id)!;
          return l.locked === 1 && l.active_take_id === t.id;
        });
        if (blocked.length)
          throw new ApiError(
            'CONFLICT',
            `${blocked.length === 1 ? 'A take is' : `${blocked.length} takes are`} the active take of a locked line (line ${blocked
              .map((t) => lines.get(t.line_id)!.position + 1)
              .join(', ')}): unlock the line first, or delete with force.`,
            { takeIds: blocked.map((t) => t.id), lineIds: blocked.map((t) => t.line_id) },
          );
      }
      const del = this.db.prepare('DELETE FROM takes WHERE id = ?');
      for (const t of takes) del.run(t.id);
      for (const l of lines.values()) {
        const still = l.active_take_id
          ? this.db.prepare('SELECT 1 FROM takes WHERE id = ?').get(l.active_take_id)
          : undefined;
        if (!still) {
          const newest = this.db
            .prepare('SELECT id FROM takes WHERE line_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1')
            .get(l.id) as { id: string } | undefined;
          this.repos.lines.setActiveTake(l.id, newest?.id ?? null);
        }
      }
      const projectIds = [...new Set(takes.map((t) => t.project_id))];
      for (const p of projectIds) this.repos.projects.touch(p);
      return { files: takes.map((t) => t.file), lines: lineIds.map((id) => this.repos.lines.get(id)), projectIds };
    })();
  }

  /** Remove take files (after the rows are gone), ignoring missing ones. */
  removeFiles(files: string[]): void {
    for (const f of files) {
      const abs = path.join(this.paths.takes, f);
      if (existsSync(abs)) rmSync(abs, { force: true });
    }
  }
}
