/**
 * `timbre transcribe AUDIO [--json | --srt]`: speech recognition with the Parakeet pack (English), offline. Prints
 * the transcript; `--json` prints `{"text","words":[{"word","start","end","confidence"}],"segments":[{"text","start",
 * "end"}],"durationSeconds","model","language"}`; `--srt` prints SubRip cues built from the word times (the same
 * readable-cue rules as exported subtitles). The pack is looked for in $TIMBRE_MODELS_DIR, then the data folder's
 * models. Exit codes: 0 success, 1 failure (no pack, unreadable audio), 2 usage errors.
 */
import type { Command } from 'commander';
import { ApiError } from '../../../native-models/common/errors.js';
import { PARAKEET_PACK_ID } from '../../../native-models/asr/parakeet.js';
import { TranscribeError, type TranscriptResult } from '../../../native-models/asr/transcriber.js';
import { wordCues } from '../../common/script/word-cues.js';
import { writeSrt } from '../../common/script/subtitles.js';
import { decodeAudioFile } from '../../node/audio/decode.js';
import { dataLayout } from '../../node/paths.js';
import { AsrHost, findAsrPack } from '../../node/speech/asr-host.js';
import { CliError } from '../cli-error.js';

interface TranscribeOpts {
  json?: boolean;
  srt?: boolean;
}

/** SubRip from a transcript: one script "line" per segment, split into readable cues by word-cues.ts. */
export function transcriptToSrt(r: TranscriptResult): string {
  const lines = r.segments.map((s) => ({
    words: r.words.slice(s.firstWord, s.lastWord + 1).map((w) => ({ text: w.word, start: w.start, end: w.end })),
  }));
  return writeSrt(wordCues(lines));
}

export function registerTranscribeCommand(program: Command, getDataDir: () => string): void {
  program
    .command('transcribe')
    .description(
      `transcribe speech to text with word timings (needs the "${PARAKEET_PACK_ID}" model pack: English; offline)`,
    )
    .argument('<audio>', 'the recording (WAV, FLAC, MP3, Ogg/Opus, M4A/AAC, WebM, or a video with sound)')
    .option('--json', 'print {"text","words":[{"word","start","end","confidence"}],"segments":[…]} on stdout')
    .option('--srt', 'print SubRip subtitles timed from the words')
    .action(async (file: string, opts: TranscribeOpts) => {
      if (opts.json && opts.srt) throw new CliError('--json and --srt cannot be used together: choose one', 2);
      const dirs = [process.env.TIMBRE_MODELS_DIR ?? '', dataLayout(getDataDir()).models].filter(Boolean);
      const packDir = findAsrPack(dirs, PARAKEET_PACK_ID);
      if (!packDir)
        throw new CliError(
          `speech recognition needs the "${PARAKEET_PACK_ID}" model pack (Parakeet TDT-CTC 110M, English, about 100 MB download), which is not installed (looked in ${dirs.join(', ')}). Install it with: timbre models download ${PARAKEET_PACK_ID}`,
          1,
        );
      let audio;
      try {
        audio = await decodeAudioFile(file);
      } catch (err) {
        throw new CliError(err instanceof ApiError ? err.message : `cannot read ${file}: ${(err as Error).message}`, 1);
      }
      const host = new AsrHost();
      const tty = process.stderr.isTTY;
      try {
        const r = await host.transcribe(audio.samples, audio.sampleRate, packDir, {
          onProgress: (f) => {
            if (tty) process.stderr.write(`\rtranscribing ${Math.round(f * 100)}%`);
          },
        });
        if (tty) process.stderr.write('\r\x1b[K');
        if (host.notice) process.stderr.write(`timbre: ${host.notice}\n`);
        if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (opts.srt) process.stdout.write(transcriptToSrt(r));
        else process.stdout.write(`${r.text}\n`);
      } catch (err) {
        if (err instanceof TranscribeError) throw new CliError(err.message, 1);
        throw err;
      } finally {
        await host.dispose();
      }
    });
}
