/**
 * The privacy ledger (issue #13, docs/privacy.md): an append-only log of processing events, without content. Each
 * event is a kind and a flat detail of ids, kinds, sizes and hosts; never a file name, a text or audio. The table's
 * triggers (migration 0040) refuse UPDATE and DELETE, except inside an erase of everything.
 */
import type { LedgerDetail, LedgerEntry, LedgerKind, LedgerPage } from '../../../preload/contract/index.js';
import type { Db } from '../db/database.js';
import { openAtomicWriter } from '../atomic-fs.js';
import { openDatabase } from '../db/database.js';
import { dataLayout } from '../paths.js';

/** Longest string value kept in a detail (hosts, ids, kinds are far shorter; anything longer is cut). */
export const LEDGER_VALUE_MAX = 200;
/** Keys in one event's detail. */
export const LEDGER_KEYS_MAX = 16;

/** What services get: a way to record an event, and nothing else. */
export interface LedgerSink {
  record(kind: LedgerKind, detail?: LedgerDetail): void;
}

/** A sink that records nothing (tests and tools that run without a core). */
export const noLedger: LedgerSink = { record: () => undefined };

export type Clock = () => number;

interface Row {
  id: number;
  at: string;
  kind: LedgerKind;
  detail: string;
}

const toEntry = (r: Row): LedgerEntry => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  detail: JSON.parse(r.detail) as LedgerDetail,
});

/** Keep a detail small and flat: bounded keys, bounded strings, finite numbers. */
function clean(detail: LedgerDetail): LedgerDetail {
  const out: LedgerDetail = {};
  for (const [k, v] of Object.entries(detail).slice(0, LEDGER_KEYS_MAX)) {
    if (typeof v === 'string') out[k.slice(0, 64)] = v.slice(0, LEDGER_VALUE_MAX);
    else if (typeof v === 'number') out[k.slice(0, 64)] = Number.isFinite(v) ? v : null;
    else out[k.slice(0, 64)] = v;
  }
  return out;
}

export class Ledger implements LedgerSink {
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = Date.now,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.insert = db.prepare('INSERT INTO privacy_ledger (at, kind, detail) VALUES (?, ?, ?)');
  }

  /**
   * Append an event. Recording never breaks the action it records: a failure (the database closed at shutdown) is
   * reported to `onError` and the action goes on.
   */
  record(kind: LedgerKind, detail: LedgerDetail = {}): void {
    try {
      this.insert.run(new Date(this.clock()).toISOString(), kind, JSON.stringify(clean(detail)));
    } catch (err) {
      this.onError(err);
    }
  }

  page(limit: number, beforeId?: number, kind?: LedgerKind): LedgerPage {
    const where: string[] = [];
    if (beforeId !== undefined) where.push('id < @beforeId');
    if (kind) where.push('kind = @kind');
    const rows = this.db
      .prepare(
        `SELECT id, at, kind, detail FROM privacy_ledger ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({ limit, beforeId, kind }) as Row[];
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM privacy_ledger ${kind ? 'WHERE kind = @kind' : ''}`).get({ kind }) as {
        n: number;
      }
    ).n;
    return { entries: rows.map(toEntry), total };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM privacy_ledger').get() as { n: number }).n;
  }

  /** Every entry, oldest first, a row at a time (the export streams them: memory does not grow with the ledger). */
  *entries(): Generator<LedgerEntry> {
    for (const r of this.db.prepare('SELECT id, at, kind, detail FROM privacy_ledger ORDER BY id').iterate())
      yield toEntry(r as Row);
  }

  /** Write the whole ledger as a JSON array to `file`, atomically, streaming the rows. */
  async exportTo(file: string): Promise<{ path: string; entries: number }> {
    const out = await openAtomicWriter(file);
    let n = 0;
    try {
      let buf = '[\n';
      for (const e of this.entries()) {
        buf += `${n ? ',\n' : ''}${JSON.stringify(e)}`;
        n++;
        if (buf.length > 64 * 1024) {
          await out.write(Buffer.from(buf));
          buf = '';
        }
      }
      await out.write(Buffer.from(`${buf}\n]\n`));
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err;
    }
    return { path: file, entries: n };
  }
}

/** The host of a URL (never its path or query, which may name what was fetched in a way the user did not choose). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown';
  }
}

/** The host an update check goes to: the policy's feed, else the feed built into the installed app (app-update.yml). */
export function updateFeedHost(feedUrl: string | undefined): string {
  return feedUrl ? hostOf(feedUrl) : 'release feed (app-update.yml)';
}

/**
 * A fetch that records each request in the ledger: host, bytes received (counted as the body streams; recorded when
 * it ends, fails or is cancelled), HTTP status and why it was made.
 */
export function ledgeredFetch(ledger: LedgerSink, why: string, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const host = hostOf(url);
    let res: Response;
    try {
      res = await inner(input, init);
    } catch (err) {
      ledger.record('network.request', { host, why, bytes: 0, status: null, failed: true });
      throw err;
    }
    if (!res.body) {
      ledger.record('network.request', { host, why, bytes: 0, status: res.status });
      return res;
    }
    let bytes = 0;
    let done = false;
    const finish = (failed: boolean) => {
      if (done) return;
      done = true;
      ledger.record('network.request', { host, why, bytes, status: res.status, ...(failed ? { failed } : {}) });
    };
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { value, done: end } = await reader.read();
          if (end) {
            finish(false);
            controller.close();
            return;
          }
          bytes += value.byteLength;
          controller.enqueue(value);
        } catch (err) {
          finish(true);
          controller.error(err);
        }
      },
      async cancel(reason) {
        finish(true);
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * The ledger of a data folder, for commands that do not start the whole core (`timbre record`): the database is
 * opened (and migrated) as the core would, and closed again by `close`.
 */
export function openLedger(dataDir: string): { ledger: Ledger; close(): void } {
  const db = openDatabase(dataLayout(dataDir).db);
  return { ledger: new Ledger(db), close: () => db.close() };
}
