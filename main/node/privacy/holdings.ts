/**
 * What Timbre holds (issue #13, docs/privacy.md): size and count per kind, each with its location, from the database
 * and a walk of the data folder. The walk has a budget (HOLDINGS_WALK_MAX_ENTRIES entries in all, depth
 * HOLDINGS_WALK_MAX_DEPTH) and never follows links, so a report costs the same bounded time on any data folder; when
 * the budget runs out the report says `truncated` and its sizes are lower bounds.
 */
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { Holding, HoldingKind } from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';

/** Directory entries one report may visit (about 50 ms per 10,000 on a laptop SSD). */
export const HOLDINGS_WALK_MAX_ENTRIES = 200_000;
/** Folder depth walked (Timbre's own layout is at most 3 deep). */
export const HOLDINGS_WALK_MAX_DEPTH = 8;

export interface Walk {
  files: number;
  bytes: number;
}

/** A shared budget for one report. */
export class WalkBudget {
  left: number;
  truncated = false;
  constructor(max = HOLDINGS_WALK_MAX_ENTRIES) {
    this.left = max;
  }
}

/** Files and bytes under `dir` (or of `dir` when it is a file), within the budget; links are not followed. */
export function walk(dir: string, budget: WalkBudget, filter: (name: string) => boolean = () => true, depth = 0): Walk {
  const out: Walk = { files: 0, bytes: 0 };
  let entries: Dirent[];
  try {
    const st = lstatSync(dir);
    if (st.isFile()) return filter(path.basename(dir)) ? { files: 1, bytes: st.size } : out;
    if (!st.isDirectory()) return out;
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out; // gone meanwhile, or unreadable: nothing to count
  }
  for (const e of entries) {
    if (budget.left <= 0) {
      budget.truncated = true;
      break;
    }
    budget.left--;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth + 1 >= HOLDINGS_WALK_MAX_DEPTH) {
        budget.truncated = true;
        continue;
      }
      const sub = walk(abs, budget, filter, depth + 1);
      out.files += sub.files;
      out.bytes += sub.bytes;
    } else if (e.isFile() && filter(e.name)) {
      try {
        out.bytes += statSync(abs).size;
        out.files++;
      } catch {
        // removed meanwhile
      }
    }
  }
  return out;
}

/** Where each kind lives in a data folder. */
export function holdingLocations(root: string): Record<HoldingKind, string> {
  return {
    projects: path.join(root, 'timbre.sqlite'),
    takes: path.join(root, 'takes'),
    voices: path.join(root, 'voices'),
    'staged-uploads': path.join(root, 'staging'),
    'imported-media': path.join(root, 'staging'),
    exports: path.join(root, 'exports'),
    'model-packs': path.join(root, 'models'),
    logs: path.join(root, 'timbre.sqlite'),
  };
}

const count = (db: Db, sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;

/** Staged items: `<id>.enc` + `<id>.json`, consent statements `<id>.statement.json`, temporary audio in `work/`. */
const isStagedPart = (n: string) => /\.(enc|json)$/.test(n) || n.startsWith('pcm') || n.endsWith('.tmp');
/** Imported media kept until processed: an uploaded `.timbrevoice` (`<id>.upload`). */
const isImportedMedia = (n: string) => n.endsWith('.upload');

export function holdings(db: Db, root: string, budget = new WalkBudget()): { holdings: Holding[]; truncated: boolean } {
  const loc = holdingLocations(root);
  const dbFiles = ['timbre.sqlite', 'timbre.sqlite-wal', 'timbre.sqlite-shm'].map((f) =>
    walk(path.join(root, f), budget),
  );
  const dbBytes = dbFiles.reduce((n, w) => n + w.bytes, 0);
  // Project assets converted on import (music beds, EPUB covers) belong to their project.
  const assets = [walk(path.join(root, 'music'), budget), walk(path.join(root, 'covers'), budget)];
  const takes = walk(loc.takes, budget);
  const voices = walk(loc.voices, budget);
  const staged = walk(loc['staged-uploads'], budget, isStagedPart);
  const media = walk(loc['imported-media'], budget, isImportedMedia);
  const exportsDir = walk(loc.exports, budget);
  const models = walk(loc['model-packs'], budget);
  let packs = 0;
  try {
    packs = readdirSync(loc['model-packs'], { withFileTypes: true }).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    ).length;
  } catch {
    packs = 0;
  }
  const logRows =
    count(db, 'SELECT count(*) AS n FROM privacy_ledger') + count(db, 'SELECT count(*) AS n FROM api_log');
  // The rows' text (the database pages around them are not counted).
  const logBytes =
    count(db, 'SELECT sum(length(at) + length(kind) + length(detail) + 8) AS n FROM privacy_ledger') +
    count(
      db,
      'SELECT sum(length(at) + length(key_id) + length(key_name) + length(method) + length(path) + 24) AS n FROM api_log',
    );
  const list: Holding[] = [
    {
      kind: 'projects',
      count: count(db, 'SELECT count(*) AS n FROM projects'),
      bytes: dbBytes + assets.reduce((n, w) => n + w.bytes, 0),
      location: loc.projects,
    },
    { kind: 'takes', count: count(db, 'SELECT count(*) AS n FROM takes'), bytes: takes.bytes, location: loc.takes },
    { kind: 'voices', count: count(db, 'SELECT count(*) AS n FROM voices'), bytes: voices.bytes, location: loc.voices },
    {
      kind: 'staged-uploads',
      count: stagedCount(loc['staged-uploads']),
      bytes: staged.bytes,
      location: loc['staged-uploads'],
    },
    { kind: 'imported-media', count: media.files, bytes: media.bytes, location: loc['imported-media'] },
    { kind: 'exports', count: exportsDir.files, bytes: exportsDir.bytes, location: loc.exports },
    { kind: 'model-packs', count: packs, bytes: models.bytes, location: loc['model-packs'] },
    { kind: 'logs', count: logRows, bytes: logBytes, location: loc.logs },
  ];
  return { holdings: list, truncated: budget.truncated };
}

function stagedCount(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.enc') || n.endsWith('.statement.json')).length;
  } catch {
    return 0;
  }
}
