/**
 * Retention (issue #13, docs/privacy.md): staged uploads and imported media go after processing and at 24 h at the
 * latest (sooner if the user or the policy says so); exports in the data folder and takes that are no line's active
 * take go after the number of days the user sets, or the managed policy sets (the policy wins). A sweep runs at
 * start-up and hourly; each deletion it makes is recorded in the privacy ledger. The clock is injected so tests
 * advance time instead of waiting.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Policy, RetentionInfo, SweepReport } from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';
import { STAGING_MAX_AGE_MS } from '../voices/staging.js';
import { walk, WalkBudget } from './holdings.js';
import type { Clock, LedgerSink } from './ledger.js';

export const RETENTION_SETTING_KEY = 'privacy.retention';
export const SWEEP_INTERVAL_MS = 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface UserRetention {
  stagedUploadsHours?: number;
  exportsDays?: number | null;
  inactiveTakesDays?: number | null;
}

export function readUserRetention(db: Db): UserRetention {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(RETENTION_SETTING_KEY) as
    { value: string } | undefined;
  if (!row) return {};
  try {
    const v = JSON.parse(row.value) as UserRetention;
    return typeof v === 'object' && v !== null ? v : {};
  } catch {
    return {};
  }
}

export function writeUserRetention(db: Db, r: UserRetention): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(RETENTION_SETTING_KEY, JSON.stringify(r));
}

/** The rules in force: the policy's limits win over the user's choices; staged items never outlive 24 h. */
export function effectiveRetention(user: UserRetention, policy: Policy, lastSweepAt: string | null): RetentionInfo {
  const p = policy.retention ?? {};
  const maxHours = STAGING_MAX_AGE_MS / 3600_000;
  return {
    stagedUploadsHours:
      p.stagedUploadsHours !== undefined
        ? { value: p.stagedUploadsHours, fixedByPolicy: true }
        : { value: Math.min(user.stagedUploadsHours ?? maxHours, maxHours), fixedByPolicy: false },
    exportsDays:
      p.exportsDays !== undefined
        ? { value: p.exportsDays, fixedByPolicy: true }
        : { value: user.exportsDays ?? null, fixedByPolicy: false },
    inactiveTakesDays:
      p.inactiveTakesDays !== undefined
        ? { value: p.inactiveTakesDays, fixedByPolicy: true }
        : { value: user.inactiveTakesDays ?? null, fixedByPolicy: false },
    lastSweepAt,
  };
}

export interface SweepDeps {
  db: Db;
  root: string;
  clock: Clock;
  ledger: LedgerSink;
  /** Delete staged items older than `maxAgeMs` at `now` (StagingStore.sweep). */
  sweepStaging(maxAgeMs: number, now: number): number;
  /** Delete takes (rows, then files) and tell the studio which projects changed. */
  deleteTakes(ids: string[]): void;
}

const isStaged = (n: string) => /\.(enc|json)$/.test(n);
const isMedia = (n: string) => n.endsWith('.upload');

/** One retention sweep under `rules`; returns (and records in the ledger) what it deleted. */
export function sweep(deps: SweepDeps, rules: RetentionInfo): SweepReport {
  const now = deps.clock();
  const at = new Date(now).toISOString();
  const deleted: SweepReport['deleted'] = [];
  const note = (kind: string, count: number, bytes: number, rule: string) => {
    if (count <= 0) return;
    deleted.push({ kind, count, bytes, rule });
    deps.ledger.record('retention.deleted', { kind, count, bytes, rule });
  };

  // Staged uploads and imported media: at the latest after the hours in force.
  const stagingDir = path.join(deps.root, 'staging');
  const measure = () => {
    const b = new WalkBudget();
    return { staged: walk(stagingDir, b, isStaged), media: walk(stagingDir, b, isMedia) };
  };
  const before = measure();
  const hours = rules.stagedUploadsHours.value;
  deps.sweepStaging(hours * 3600_000, now);
  const after = measure();
  const rule = `older than ${hours} h${rules.stagedUploadsHours.fixedByPolicy ? ' (policy)' : ''}`;
  // Two files (.enc and .json) make one staged item.
  note(
    'staged-uploads',
    Math.ceil((before.staged.files - after.staged.files) / 2),
    before.staged.bytes - after.staged.bytes,
    rule,
  );
  note('imported-media', before.media.files - after.media.files, before.media.bytes - after.media.bytes, rule);

  // Exports kept in the data folder.
  if (rules.exportsDays.value !== null) {
    const days = rules.exportsDays.value;
    const cutoff = now - days * DAY_MS;
    const exportsDir = path.join(deps.root, 'exports');
    const rows = deps.db.prepare('SELECT id, created_at FROM exports').all() as { id: string; created_at: string }[];
    const rowAt = new Map(rows.map((r) => [r.id, Date.parse(r.created_at)]));
    let n = 0;
    let bytes = 0;
    for (const name of existsSync(exportsDir) ? readdirSync(exportsDir) : []) {
      const abs = path.join(exportsDir, name);
      let made: number;
      try {
        made = rowAt.get(name) ?? statSync(abs).mtimeMs;
      } catch {
        continue;
      }
      if (made >= cutoff) continue;
      const w = walk(abs, new WalkBudget());
      rmSync(abs, { recursive: true, force: true });
      n += Math.max(1, w.files);
      bytes += w.bytes;
    }
    // The rows of old exports go too (their files elsewhere, chosen by the user, are the user's and stay).
    deps.db.prepare('DELETE FROM exports WHERE created_at < ?').run(new Date(cutoff).toISOString());
    note('exports', n, bytes, `older than ${days} days${rules.exportsDays.fixedByPolicy ? ' (policy)' : ''}`);
  }

  // Takes that are no line's active take.
  if (rules.inactiveTakesDays.value !== null) {
    const days = rules.inactiveTakesDays.value;
    const cutoff = new Date(now - days * DAY_MS).toISOString();
    const old = deps.db
      .prepare(
        `SELECT t.id, t.file FROM takes t
          WHERE t.created_at < ? AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.active_take_id = t.id)`,
      )
      .all(cutoff) as { id: string; file: string }[];
    let bytes = 0;
    for (const t of old) {
      try {
        bytes += statSync(path.join(deps.root, 'takes', t.file)).size;
      } catch {
        // no file: nothing to count
      }
    }
    if (old.length) deps.deleteTakes(old.map((t) => t.id));
    note(
      'inactive-takes',
      old.length,
      bytes,
      `not active, older than ${days} days${rules.inactiveTakesDays.fixedByPolicy ? ' (policy)' : ''}`,
    );
  }
  return { at, deleted };
}
