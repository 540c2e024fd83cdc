/**
 * The managed policy (issue #13): a machine-wide file an organisation installs to fix settings. Read at start-up and
 * validated with this schema; a file that does not validate stops Timbre (fail closed) with the file and the problem
 * named. Part of the one contract: see index.ts.
 */
import { z } from 'zod';
import { call, empty } from './common.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lowercase hex digits');
const HttpsUrl = z
  .string()
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(u), 'use an https:// URL');

export const Policy = z
  .object({
    /** false: model packs can only be imported from files, never downloaded. */
    modelDownloads: z.boolean().optional(),
    /** Only these packs may be installed (downloaded or imported); with `sha256`, only those exact files. */
    allowedPacks: z
      .array(z.object({ id: z.string().min(1).max(100), sha256: z.array(Sha256).max(100).optional() }).strict())
      .max(100)
      .optional(),
    /** Packs are downloaded from this mirror instead of their public URLs: `<mirror>/<pack id>/<file path>`. */
    packMirrorUrl: HttpsUrl.optional(),
    updates: z
      .object({
        /** false: never check for updates (the organisation distributes them). */
        enabled: z.boolean(),
        channel: z.enum(['stable', 'beta']).optional(),
        /** An internal update feed (electron-updater's generic provider: latest.yml and the installers). */
        feedUrl: HttpsUrl.optional(),
      })
      .strict()
      .optional(),
    /** true: a cloned voice needs a consent reading whose checks passed (an attestation alone is not enough). */
    cloningRequiresVerifiedConsent: z.boolean().optional(),
    /** false: voices cannot be exported as .timbrevoice files. */
    voiceExport: z.boolean().optional(),
    /** false: no local API (/v1, timbre mcp); the studio page still works. */
    localApi: z.boolean().optional(),
    /** false: the API is never served to other computers (serve --listen, Settings). */
    remoteApi: z.boolean().optional(),
    /** The data folder, fixed (an absolute path; `~` and %VAR% are not expanded). */
    dataDir: z.string().min(1).max(4096).optional(),
    retention: z
      .object({
        /** Staged uploads and imported media are deleted this many hours after arriving at the latest (≤ 24). */
        stagedUploadsHours: z.number().min(0).max(24).optional(),
        /** Exports older than this many days are deleted. */
        exportsDays: z.number().int().min(1).max(3650).optional(),
        /** Takes that are not the active take of a line are deleted after this many days. */
        inactiveTakesDays: z.number().int().min(1).max(3650).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;

/** The effective policy as the UI needs it: what is fixed, and where it came from. */
export const PolicyInfo = z.object({
  /** The policy file in force, or null when none is installed. */
  source: z.string().nullable(),
  policy: Policy,
});
export type PolicyInfo = z.infer<typeof PolicyInfo>;

export const policyMethods = {
  'policy.get': call(empty, PolicyInfo),
} as const;
