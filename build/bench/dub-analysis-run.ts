/**
 * One run of the dub-analysis bench (`dub-analysis-bench.ts`), in its own process: a core on a fresh data folder
 * with the fixture packs (the Parakeet fixture, the spectral speaker fixture: the orchestration's cost, not the real
 * models'), a dubbing project from an N-minute FLAC of tone words every 2 s with an SRT cue per word (1.9 s), then
 * `dub.transcribe` and `dub.findSpeakers { speakers: 2 }`. Prints one JSON line with the times and the process's peak
 * RSS (worker threads included).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCore } from '../../main/node/core.js';
import type { DubProjectDetail, DubSpeakersResult, DubTranscribeResult } from '../../preload/contract/index.js';
import { makeSpectralSpeakerFixture } from '../../tests/fixtures/speaker-spectral-fixture.js';
import { buildParakeetFixtureModel, FIXTURE_TOKENS } from '../../tests/fixtures/parakeet-fixture.js';
const minutes = Number(process.argv[2]);
const dir = mkdtempSync(path.join(tmpdir(), 'timbre-measure-'));
const media = path.join(dir, 'm.flac');
const secs = minutes * 60;
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-f',
  'lavfi',
  '-i',
  `aevalsrc='0.3*sin(2*PI*if(lt(mod(floor(t/2),3),1),3000,300)*t)*lt(mod(t,2),0.8)':s=16000:d=${secs}`,
  '-c:a',
  'flac',
  '-y',
  media,
]);
const ts = (s: number) => new Date(s * 1000).toISOString().slice(11, 23).replace('.', ',');
let srt = '';
for (let k = 0; k * 2 + 1.9 <= secs; k++) srt += `${k + 1}\n${ts(2 * k)} --> ${ts(2 * k + 1.9)}\nx\n\n`;
writeFileSync(path.join(dir, 'm.srt'), srt);
const core = await createCore({ dataDir: path.join(dir, 'data'), transport: 'web', version: 'm' });
makeSpectralSpeakerFixture(core.layout.models);
const pack = path.join(core.layout.models, 'parakeet-ctc-en');
mkdirSync(pack, { recursive: true });
writeFileSync(path.join(pack, 'model.int8.onnx'), buildParakeetFixtureModel());
writeFileSync(path.join(pack, 'tokens.txt'), FIXTURE_TOKENS.map((t, i) => `${t} ${i}`).join('\n') + '\n');
async function call<T>(m: string, p: unknown): Promise<T> {
  const r = await core.dispatch(m, p);
  if (!r.ok) throw new Error(r.error.message);
  return r.result as T;
}
const d = await call<DubProjectDetail>('dub.create', {
  media: { path: media },
  targetSubs: { path: path.join(dir, 'm.srt') },
});
let t = Date.now();
const tr = await call<DubTranscribeResult>('dub.transcribe', { projectId: d.id });
const trS = (Date.now() - t) / 1000;
t = Date.now();
const sp = await call<DubSpeakersResult>('dub.findSpeakers', { projectId: d.id, speakers: 2 });
const spS = (Date.now() - t) / 1000;
await core.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    minutes,
    segments: d.segmentList.length,
    words: tr.words,
    filled: tr.filled,
    transcribeSeconds: trS,
    speakers: sp.speakers,
    joined: sp.joined.length,
    labelled: sp.labelled,
    findSpeakersSeconds: spS,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
process.exit(0);
