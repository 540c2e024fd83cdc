/** The app: its settings and facts about this build. Part of the one contract: see index.ts. */
import { z } from 'zod';
import { call, empty } from './common.js';
import { ExecutionProvider } from './models.js';

export const Theme = z.enum(['system', 'light', 'dark']);
export const Locale = z.enum(['en', 'zh-CN']);
export const Settings = z.object({
  theme: Theme,
  locale: Locale,
  defaultVoiceId: z.string().nullable(),
  /** Inference device for neural engines; 'auto' picks the best bundled accelerator, else CPU. */
  executionProvider: ExecutionProvider,
  /** Threads per inference session; null = automatic (the core count). */
  inferenceThreads: z.number().int().min(1).max(64).nullable(),
  /** Re-queue generation interrupted by a crash or quit when Timbre starts again (default on). */
  resumeInterruptedJobs: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export const AppInfo = z.object({
  name: z.literal('Timbre'),
  version: z.string(),
  dataDir: z.string(),
  transport: z.enum(['electron', 'web']),
  platform: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appMethods = {
  'app.info': call(empty, AppInfo),

  'settings.get': call(empty, Settings),
  'settings.update': call(Settings.partial().strict(), Settings),
} as const;
