/**
 * The take QC checks that need an installed pack, wired for the core: the speaker-embedding pack (voice drift: a
 * take's similarity to its voice's own samples) and the speech-recognition pack (word error rate). Each is looked up
 * in the models folder before every check, so a pack installed while Timbre runs is used from the next take on, and
 * one removed is no longer asked.
 */
import path from 'node:path';
import { decodeWav } from '../../../native-models/audio/wav.js';
import { SPEAKER_PACK_ID, SpeakerEmbedder, speakerUnavailableReason } from '../../../native-models/speaker/embedder.js';
import { PARAKEET_PACK_ID } from '../../../native-models/asr/parakeet.js';
import type { VoiceLibrary } from '../voices/library.js';
import { AsrHost, findAsrPack } from './asr-host.js';
import type { TakeQcDeps, TakeSpeakerEmbedder, TakeTranscriber } from './take-qc.js';

export interface TakeQcPacks extends Required<Pick<TakeQcDeps, 'speakerEmbedder' | 'voiceSamples' | 'transcriber'>> {
  dispose(): Promise<void>;
}

export function takeQcPacks(modelsDir: string, library: Pick<VoiceLibrary, 'list' | 'sampleWavs'>): TakeQcPacks {
  let embedder: { dir: string; e: SpeakerEmbedder } | null = null;
  let asr: AsrHost | null = null;
  return {
    speakerEmbedder: (): TakeSpeakerEmbedder | null => {
      const dir = path.join(modelsDir, SPEAKER_PACK_ID);
      if (speakerUnavailableReason(dir)) return null;
      if (embedder?.dir !== dir) embedder = { dir, e: new SpeakerEmbedder(dir) };
      return embedder.e;
    },
    voiceSamples: (voiceId) => {
      const v = library.list().find((x) => x.voiceId === voiceId);
      if (!v || !v.samples.length) return null;
      return {
        // The samples' sha256s: a sample added, removed or replaced changes the key (and the cached embedding).
        key: v.samples.map((s) => s.sha256 ?? s.id).join(','),
        load: async () => (await library.sampleWavs(v.id)).map((s) => decodeWav(s.wav)),
      };
    },
    transcriber: (): TakeTranscriber | null => {
      const packDir = findAsrPack([modelsDir], PARAKEET_PACK_ID);
      if (!packDir) return null;
      const host = (asr ??= new AsrHost());
      return {
        engine: PARAKEET_PACK_ID,
        transcribe: async (samples, sampleRate, signal) =>
          (await host.transcribe(samples, sampleRate, packDir, { signal })).text,
      };
    },
    async dispose() {
      await embedder?.e.dispose();
      await asr?.dispose();
    },
  };
}
