/**
 * Run as a child process by tests/unit/fuzz.test.ts: feeds the parsers small inputs whose headers declare huge sizes
 * (WAV chunk and RIFF sizes, zip entry sizes in a .docx, the largest key-derivation cost a voice file can ask for)
 * and prints its peak memory before and after as JSON, so the parent can check nothing was allocated by a declared
 * (rather than actual) size. Inputs come from the fuzz generators with the CI seed.
 */
import fc from 'fast-check';
import { decodeWav } from '../../native-models/audio/wav.js';
import { readScriptSource } from '../../main/node/studio/script-source.js';
import { openVoiceFile, VOICE_FILE_MAGIC } from '../../main/node/voices/voice-file.js';
import { CI_SEED, makeDocx, makeDocxBomb, structuredWav } from './inputs.js';

const mb = () => process.resourceUsage().maxRSS / 1024;
const settle = async <T>(p: () => Promise<T> | T) => {
  try {
    await p();
  } catch {
    /* the parent's fuzz targets check the errors; here only memory counts */
  }
};

const before = mb();
const cases: Record<string, number> = {};

// WAV: every chunk size and the RIFF size claim 4 GiB; the files hold at most a few KiB.
const wavs = fc.sample(structuredWav, { seed: CI_SEED, numRuns: 300 }).map((w) => {
  const b = Buffer.from(w);
  if (b.length >= 8) b.writeUInt32LE(0xffffffff, 4);
  for (let off = 12; off + 8 <= b.length; off++) {
    const id = b.toString('latin1', off, off + 4);
    if (id === 'data' || id === 'fmt ') b.writeUInt32LE(id === 'data' ? 0xffffffff : 0xfffffff0, off + 4);
  }
  return b;
});
for (const w of wavs) await settle(() => decodeWav(w));
cases.wav = wavs.length;

// .docx: every local and central zip header says the entry inflates to 4 GiB.
const docx = await makeDocx(['Hello.', 'A second paragraph.']);
for (let off = 0; off + 30 <= docx.length; off++) {
  const sig = docx.readUInt32LE(off);
  if (sig === 0x04034b50) docx.writeUInt32LE(0xffffffff, off + 22); // local header: uncompressed size
  if (sig === 0x02014b50) docx.writeUInt32LE(0xffffffff, off + 24); // central header: uncompressed size
}
await settle(() => readScriptSource({ fileName: 'big.docx', base64: docx.toString('base64') }));
cases.docx = 1;

// .docx zip bomb: 256 MiB of text inflated from a few hundred KiB (sizes declared truthfully this time).
const bomb = await makeDocxBomb(256);
cases.docxBombKiB = Math.round(bomb.length / 1024);
const beforeBomb = mb();
await settle(() => readScriptSource({ fileName: 'bomb.docx', base64: bomb.toString('base64') }));
cases.docxBombMb = Math.round(mb() - beforeBomb);

// .timbrevoice: the header asks for the largest cost each parameter byte can express.
for (const [log2N, r, p] of [
  [255, 255, 255],
  [20, 32, 4],
  [30, 8, 1],
  [18, 255, 1],
]) {
  const file = Buffer.concat([VOICE_FILE_MAGIC, Buffer.from([1, log2N, r, p]), Buffer.alloc(16 + 16 + 12 + 64)]);
  await settle(() => openVoiceFile(file, 'passphrase'));
}
cases.voiceFile = 4;

process.stdout.write(`${JSON.stringify({ beforeMb: before, afterMb: mb(), cases })}\n`);
