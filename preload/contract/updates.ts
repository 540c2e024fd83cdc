/**
 * App updates (issue #13; docs/electron.md "Updates"). The desktop app checks, downloads and installs updates only
 * when the user asks (or turned on automatic checks), never when a managed policy turns updates off. In web mode
 * (`timbre serve`) and the CLI there is nothing to update from inside the app: the status says so. Part of the one
 * contract: see index.ts.
 */
import { z } from 'zod';
import { call, empty } from './common.js';

export const UpdateChannel = z.enum(['stable', 'beta']);
export type UpdateChannel = z.infer<typeof UpdateChannel>;

export const UpdateStatus = z.discriminatedUnion('state', [
  /** Web mode and the CLI: updates are handled by the desktop app (or the way Timbre was installed). */
  z.object({ state: z.literal('unsupported'), reason: z.string() }),
  /** Off: by the organisation's policy (`byPolicy`), or because this is not an installed build. */
  z.object({ state: z.literal('disabled'), reason: z.string(), byPolicy: z.boolean() }),
  z.object({ state: z.literal('idle') }),
  z.object({ state: z.literal('checking') }),
  z.object({ state: z.literal('available'), version: z.string(), releaseDate: z.string().optional() }),
  z.object({ state: z.literal('not-available'), version: z.string() }),
  /** percent 0-100 of the installer received so far. */
  z.object({ state: z.literal('downloading'), percent: z.number().min(0).max(100) }),
  /** Verified (sha512, and on Windows the publisher's signature) and ready: installs on restart. */
  z.object({ state: z.literal('downloaded'), version: z.string() }),
  z.object({ state: z.literal('error'), message: z.string() }),
]);
export type UpdateStatus = z.infer<typeof UpdateStatus>;

export const UpdatesInfo = z.object({
  currentVersion: z.string(),
  status: UpdateStatus,
  channel: UpdateChannel,
  /** The policy file when it fixes anything about updates (off, channel or feed); null otherwise. */
  policySource: z.string().nullable(),
  /** The channel is fixed by the policy (the UI disables the choice with "Set by your organization"). */
  channelFixed: z.boolean(),
});
export type UpdatesInfo = z.infer<typeof UpdatesInfo>;

export const updatesMethods = {
  'updates.status': call(empty, UpdatesInfo),
  /** Ask the update feed now (an explicit user action). */
  'updates.check': call(empty, UpdatesInfo),
  /** Download the update found by the last check (an explicit user action). */
  'updates.download': call(empty, UpdatesInfo),
  /** Quit, install the downloaded update and start again (an explicit user action). */
  'updates.install': call(empty, UpdatesInfo),
} as const;

export const updatesEvents = {
  'updates.status': UpdatesInfo,
} as const;
