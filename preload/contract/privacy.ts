/**
 * The privacy center (issue #13): what Timbre holds, retention, the privacy ledger (an append-only log of processing
 * events, without content), export everything, erase everything. Part of the one contract: see index.ts;
 * docs/privacy.md describes each event and rule.
 */
import { z } from 'zod';
import { FilePath, call, empty } from './common.js';

/** Every kind of event the ledger records (docs/privacy.md, "The privacy ledger"). */
export const LedgerKind = z.enum([
  'microphone.opened',
  'microphone.closed',
  'file.imported',
  'model.run',
  'export.written',
  'network.request',
  'api.call',
  'retention.deleted',
  'data.exported',
  'data.imported',
  'data.erased',
]);
export type LedgerKind = z.infer<typeof LedgerKind>;

/** Detail of an event: flat, small values only (ids, kinds, sizes, hosts); never content, names or text. */
export const LedgerDetail = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type LedgerDetail = z.infer<typeof LedgerDetail>;

export const LedgerEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: LedgerKind,
  detail: LedgerDetail,
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const LedgerPage = z.object({
  entries: z.array(LedgerEntry),
  /** Entries matching the filter (all pages). */
  total: z.number().int(),
});
export type LedgerPage = z.infer<typeof LedgerPage>;

export const HoldingKind = z.enum([
  'projects',
  'takes',
  'voices',
  'staged-uploads',
  'imported-media',
  'exports',
  'model-packs',
  'logs',
]);
export type HoldingKind = z.infer<typeof HoldingKind>;

export const Holding = z.object({
  kind: HoldingKind,
  /** Items of this kind (projects, takes, voices, staged items, files…). */
  count: z.number().int(),
  bytes: z.number(),
  /** Where they are (a folder or the database file). */
  location: z.string(),
});
export type Holding = z.infer<typeof Holding>;

const RetentionValue = <T extends z.ZodType>(value: T) =>
  z.object({
    value,
    /** The limit a managed policy sets ("Set by your organization"); the user cannot change it. */
    fixedByPolicy: z.boolean(),
  });

export const RetentionInfo = z.object({
  /** Staged uploads and imported media are deleted after processing, and at this age at the latest (≤ 24 h). */
  stagedUploadsHours: RetentionValue(z.number()),
  /** Exports older than this many days are deleted (null: kept until you delete them). */
  exportsDays: RetentionValue(z.number().int().nullable()),
  /** Takes that are not a line's active take are deleted after this many days (null: kept). */
  inactiveTakesDays: RetentionValue(z.number().int().nullable()),
  /** The last retention sweep (at start-up and hourly), or null before the first. */
  lastSweepAt: z.string().nullable(),
});
export type RetentionInfo = z.infer<typeof RetentionInfo>;

export const PrivacyReport = z.object({
  dataDir: z.string(),
  holdings: z.array(Holding),
  /** The walk of the data folder stopped at its file budget: sizes are lower bounds. */
  truncated: z.boolean(),
  retention: RetentionInfo,
  /** The OS keychain entries Timbre stored for this data folder (service and account, never the secret). */
  keychain: z.array(z.object({ service: z.string(), account: z.string() })),
  /** Events in the privacy ledger. */
  ledgerEntries: z.number().int(),
});
export type PrivacyReport = z.infer<typeof PrivacyReport>;

export const SweepReport = z.object({
  at: z.string(),
  deleted: z.array(z.object({ kind: z.string(), count: z.number().int(), bytes: z.number(), rule: z.string() })),
});
export type SweepReport = z.infer<typeof SweepReport>;

export const ArchiveCounts = z.object({
  projects: z.number().int(),
  lines: z.number().int(),
  takes: z.number().int(),
  voices: z.number().int(),
  consentRecords: z.number().int(),
});
export type ArchiveCounts = z.infer<typeof ArchiveCounts>;

export const EraseReport = z.object({
  at: z.string(),
  filesRemoved: z.number().int(),
  bytesRemoved: z.number(),
  /** Rows deleted per table. */
  rows: z.record(z.string(), z.number().int()),
  keychain: z.array(z.object({ service: z.string(), account: z.string(), removed: z.boolean() })),
  /** What is left in the data folder (the emptied database holding the one `data.erased` ledger entry). */
  left: z.array(z.string()),
});
export type EraseReport = z.infer<typeof EraseReport>;

const ArchivePassphrase = z.string().min(8, 'Use a passphrase of at least 8 characters').max(1000);
/** The words a user types to confirm erasing everything. */
export const ERASE_CONFIRMATION = 'ERASE EVERYTHING';

export const privacyMethods = {
  'privacy.report': call(empty, PrivacyReport),
  'privacy.ledger': call(
    z
      .object({
        limit: z.number().int().min(1).max(1000).default(200),
        beforeId: z.number().int().positive().optional(),
        kind: LedgerKind.optional(),
      })
      .strict(),
    LedgerPage,
  ),
  /** Write the whole ledger as JSON to a file (atomic). */
  'privacy.exportLedger': call(
    z.object({ path: FilePath }).strict(),
    z.object({ path: z.string(), entries: z.number() }),
  ),
  'privacy.setRetention': call(
    z
      .object({
        exportsDays: z.number().int().min(1).max(3650).nullable().optional(),
        inactiveTakesDays: z.number().int().min(1).max(3650).nullable().optional(),
        stagedUploadsHours: z.number().min(1).max(24).optional(),
      })
      .strict(),
    RetentionInfo,
  ),
  /** Run the retention sweep now (it also runs at start-up and hourly). */
  'privacy.sweep': call(empty, SweepReport),
  /** Show a holding's folder in the system file manager (Electron); web mode answers shown: false and the path. */
  'privacy.showInFolder': call(
    z.object({ kind: HoldingKind }).strict(),
    z.object({ shown: z.boolean(), path: z.string() }),
  ),
  /** One archive of everything (docs/privacy.md): voices inside are sealed with the passphrase. */
  'privacy.export': call(
    z.object({ path: FilePath, passphrase: ArchivePassphrase }).strict(),
    z.object({ path: z.string(), bytes: z.number(), counts: ArchiveCounts }),
  ),
  /** Restore an archive into an empty data folder (refused when it holds projects or voices). */
  'privacy.import': call(
    z.object({ path: FilePath, passphrase: ArchivePassphrase }).strict(),
    z.object({ counts: ArchiveCounts }),
  ),
  'privacy.erase': call(z.object({ confirm: z.literal(ERASE_CONFIRMATION) }).strict(), EraseReport),
} as const;
