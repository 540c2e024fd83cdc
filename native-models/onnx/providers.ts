/**
 * Execution-provider detection: which accelerators this build of onnxruntime-node can use on this platform.
 * CPU is always there; CUDA on Linux and Windows, DirectML on Windows, Core ML on macOS, each only when the
 * binding lists it. A listed provider can still fail to start (no GPU, missing CUDA libraries): sessions are created
 * with createSessionWithFallback, which then runs on the CPU and says why.
 */
import os from 'node:os';
import { ort } from './session.js';

export type ProviderName = 'cpu' | 'cuda' | 'dml' | 'coreml';

export interface ProviderInfo {
  name: ProviderName;
  /** False when the binding supports it but needs libraries installed separately (e.g. CUDA on Linux). */
  bundled: boolean;
}

/** Providers Timbre uses on each platform, best first (CPU is appended last everywhere). */
const PLATFORM_PROVIDERS: Partial<Record<NodeJS.Platform, ProviderName[]>> = {
  linux: ['cuda'],
  win32: ['cuda', 'dml'],
  darwin: ['coreml'],
};

export interface BackendListing {
  name: string;
  bundled: boolean;
}

/**
 * The providers usable here, best first, always ending with 'cpu'. `platform` and `backends` are injectable so the
 * per-platform rules can be tested on any machine.
 */
export function detectExecutionProviders(
  platform: NodeJS.Platform = process.platform,
  backends: readonly BackendListing[] = ort.listSupportedBackends(),
): ProviderInfo[] {
  const listed = new Map(backends.map((b) => [b.name, b.bundled]));
  const found: ProviderInfo[] = [];
  for (const name of PLATFORM_PROVIDERS[platform] ?? []) {
    const bundled = listed.get(name);
    if (bundled !== undefined) found.push({ name, bundled });
  }
  found.push({ name: 'cpu', bundled: true });
  return found;
}

/**
 * The provider list to ask for: `preferred` when given ('auto' or undefined picks the first bundled accelerator,
 * else CPU). The result always ends with 'cpu'.
 */
export function chooseExecutionProviders(
  preferred: string | undefined = 'auto',
  available: ProviderInfo[] = detectExecutionProviders(),
): string[] {
  if (preferred === 'cpu') return ['cpu'];
  if (preferred && preferred !== 'auto') return [preferred, 'cpu'];
  const accel = available.find((p) => p.name !== 'cpu' && p.bundled);
  return accel ? [accel.name, 'cpu'] : ['cpu'];
}

export interface ThreadCounts {
  intraOpThreads: number;
  interOpThreads: number;
}

/**
 * Thread counts for a session. Default: leave one core for the UI and the other workers (at least 1), one inter-op
 * thread (the graphs Timbre runs are sequential). `override` wins, clamped to [1, cores].
 */
export function threadCounts(override: Partial<ThreadCounts> = {}, cores = os.availableParallelism()): ThreadCounts {
  const clamp = (n: number) => Math.max(1, Math.min(cores, Math.floor(n)));
  return {
    intraOpThreads: clamp(override.intraOpThreads ?? Math.max(1, cores - 1)),
    interOpThreads: clamp(override.interOpThreads ?? 1),
  };
}
