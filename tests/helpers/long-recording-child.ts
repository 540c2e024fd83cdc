/**
 * Child process of the long-recording test and bench (run with `node --import tsx`): a real core with the real VAD and
 * GTCRN packs stages a recording (`voiceAudio.stage`), cleans all of it (`voiceAudio.clean`: trim + normalise, the
 * best window reported), then denoises a stretch of it (`voiceAudio.clean` with a window + denoise + trim +
 * normalise). Prints one JSON line: the reports, wall seconds per step, and peak RSS (`process.resourceUsage().maxRSS`,
 * the whole process; and `workPeakRssMb`, the peak from just before staging on, read from /proc/self/status after
 * resetting it through /proc/self/clear_refs: the vault's scrypt key derivation, 128 MiB by design, comes before).
 *
 * argv: <data dir> <recording> <denoise window start> <denoise window end>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { StagedAudio } from '../../preload/contract/index.js';
import { call, callError, openVoiceCore } from './voices.js';

const [dataDir, recording, denoiseFrom, denoiseTo] = process.argv.slice(2);

function hwmMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const core = await openVoiceCore(dataDir, ['silero-vad', 'gtcrn']);
await call(core, 'vault.unlock', { passphrase: 'long recording test passphrase' });
let resettable = true;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  resettable = false;
}
const t0 = performance.now();
const staged = await call<StagedAudio>(core, 'voiceAudio.stage', { path: recording });
const t1 = performance.now();
const cleaned = await call<StagedAudio>(core, 'voiceAudio.clean', {
  stagingId: staged.stagingId,
  trim: true,
  normalize: true,
  denoise: false,
});
const t2 = performance.now();
const denoised = await call<StagedAudio>(core, 'voiceAudio.clean', {
  stagingId: staged.stagingId,
  trim: true,
  normalize: true,
  denoise: true,
  window: { start: Number(denoiseFrom), end: Number(denoiseTo) },
});
const t3 = performance.now();
const workPeakRssMb = resettable ? hwmMb() : null;
// A recording over 5 minutes cannot become a voice sample as it is (samples are handled whole): a clear refusal,
// before any decryption.
const sampleRefusal =
  staged.durationSeconds > 300
    ? await callError(core, 'library.create', {
        name: 'Hour',
        stagingIds: [staged.stagingId],
        consent: { kind: 'attest', name: 'Test Speaker', purpose: 'Long recording test' },
      })
    : null;
await core.close();
process.stdout.write(
  `${JSON.stringify({
    staged,
    cleaned,
    denoised,
    stageSeconds: (t1 - t0) / 1000,
    cleanSeconds: (t2 - t1) / 1000,
    denoiseSeconds: (t3 - t2) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    // User + system CPU seconds of the whole run: less sensitive than wall time to a shared machine's load.
    cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6,
    workPeakRssMb,
    sampleRefusal: sampleRefusal && {
      code: sampleRefusal.code,
      message: sampleRefusal.message,
      details: sampleRefusal.details,
    },
  })}\n`,
);
