/**
 * Child process of the clone-from-video memory test (run with `node --import tsx`): gathers one speaker's sample from
 * a long recording with the real Silero VAD (`gatherSpeakerClip`, main/node/dub/clone.ts) and prints one JSON line:
 * the report, the resident set before the gathering and its peak during it (VmHWM after a reset through
 * /proc/self/clear_refs, so module loading before does not count; null where /proc is not available), and the whole
 * process's maxRSS.
 *
 * argv: <media> <seconds> <segment length> <VAD model>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gatherSpeakerClip } from '../../main/node/dub/clone.js';

const [media, seconds, segLen, vadModel] = process.argv.slice(2);
const status = (key: 'VmRSS' | 'VmHWM') => {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
};
const total = Number(seconds);
const len = Number(segLen);
const segments = [];
for (let k = 0; (k + 1) * len <= total; k++)
  segments.push({ id: `s${k}`, start: k * len + 0.1, end: (k + 1) * len - 0.1, speaker: 'ANNA' });
let resettable = true;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  resettable = false;
}
const before = status('VmRSS');
const r = await gatherSpeakerClip({
  mediaPath: media,
  mediaSeconds: total,
  segments,
  speaker: 'ANNA',
  vadModel,
  gtcrnModel: null,
  denoise: false,
});
process.stdout.write(
  `${JSON.stringify({
    segments: segments.length,
    analysed: r.report.candidates.filter((c) => c.verdict !== 'not-analysed').length,
    totalSeconds: r.report.totalSeconds,
    sampleSeconds: r.samples.length / r.sampleRate,
    beforeMb: before,
    peakMb: resettable ? status('VmHWM') : null,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
