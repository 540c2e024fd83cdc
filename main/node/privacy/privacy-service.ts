/**
 * The privacy center's core side (issue #13, docs/privacy.md): the report (what Timbre holds, retention in force,
 * keychain entries), the ledger, retention (sweep at start-up and hourly), export and import of everything, erase.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type {
  ArchiveCounts,
  EraseReport,
  HoldingKind,
  PolicyInfo,
  PrivacyReport,
  RetentionInfo,
  SweepReport,
} from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';
import { policyDenied } from '../policy/policy.js';
import { exportArchive, importArchive, type ArchiveLibrary } from './archive.js';
import { eraseEverything, keychainEntries, STANDARD_DIRS, type DeletePassword } from './erase.js';
import { holdingLocations, holdings } from './holdings.js';
import type { Clock, Ledger } from './ledger.js';
import {
  effectiveRetention,
  readUserRetention,
  sweep,
  SWEEP_INTERVAL_MS,
  writeUserRetention,
  type SweepDeps,
  type UserRetention,
} from './retention.js';

export interface PrivacyDeps {
  db: Db;
  root: string;
  ledger: Ledger;
  clock: Clock;
  policy: () => PolicyInfo;
  library: ArchiveLibrary;
  sweepStaging: SweepDeps['sweepStaging'];
  deleteTakes: SweepDeps['deleteTakes'];
  /** Stop what writes to the data folder (jobs, recording, exports) before an erase or import. */
  quiesce: () => Promise<void>;
  /** Forget what is cached about the data folder after an erase or import (vault key, timelines…). */
  afterReset: () => void;
  deletePassword?: DeletePassword;
}

export class PrivacyService {
  private lastSweepAt: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: PrivacyDeps) {}

  retention(): RetentionInfo {
    return effectiveRetention(readUserRetention(this.d.db), this.d.policy().policy, this.lastSweepAt);
  }

  report(): PrivacyReport {
    const h = holdings(this.d.db, this.d.root);
    return {
      dataDir: this.d.root,
      holdings: h.holdings,
      truncated: h.truncated,
      retention: this.retention(),
      keychain: keychainEntries(this.d.root),
      ledgerEntries: this.d.ledger.count(),
    };
  }

  /** The user's retention choices; a value the managed policy fixes is refused, naming the policy. */
  setRetention(patch: UserRetention): RetentionInfo {
    const fixed = this.d.policy().policy.retention ?? {};
    for (const k of Object.keys(patch) as (keyof UserRetention)[])
      if (patch[k] !== undefined && fixed[k] !== undefined)
        throw policyDenied(
          `The retention limit ${k} is set by your organization and cannot be changed`,
          this.d.policy(),
        );
    const next = { ...readUserRetention(this.d.db) };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
    writeUserRetention(this.d.db, next);
    return this.retention();
  }

  sweep(): SweepReport {
    const r = sweep(
      {
        db: this.d.db,
        root: this.d.root,
        clock: this.d.clock,
        ledger: this.d.ledger,
        sweepStaging: this.d.sweepStaging,
        deleteTakes: this.d.deleteTakes,
      },
      this.retention(),
    );
    this.lastSweepAt = r.at;
    return r;
  }

  /** Sweep now and then every hour (the timer does not keep the process alive). */
  start(log: (m: string) => void): void {
    const run = () => {
      try {
        this.sweep();
      } catch (err) {
        log(`[timbre] retention sweep failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    run();
    this.timer = setInterval(run, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  location(kind: HoldingKind): string {
    return holdingLocations(this.d.root)[kind];
  }

  async exportAll(target: string, passphrase: string) {
    const r = await exportArchive(
      { db: this.d.db, root: this.d.root, library: this.d.library },
      path.resolve(target),
      passphrase,
    );
    this.d.ledger.record('data.exported', { bytes: r.bytes, ...r.counts });
    return r;
  }

  async importAll(file: string, passphrase: string): Promise<{ counts: ArchiveCounts }> {
    await this.d.quiesce();
    const counts = await importArchive(
      { db: this.d.db, root: this.d.root, library: this.d.library },
      path.resolve(file),
      passphrase,
    );
    this.d.afterReset();
    this.d.ledger.record('data.imported', { ...counts });
    return { counts };
  }

  async erase(): Promise<EraseReport> {
    await this.d.quiesce();
    const r = await eraseEverything({
      db: this.d.db,
      root: this.d.root,
      clock: this.d.clock,
      ledger: this.d.ledger,
      deletePassword: this.d.deletePassword,
    });
    for (const d of STANDARD_DIRS) mkdirSync(path.join(this.d.root, d), { recursive: true, mode: 0o700 });
    this.d.afterReset();
    return r;
  }
}
