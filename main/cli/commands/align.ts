/**
 * `timbre align AUDIO --text "…" [--lang en|fr] [--json]`: align a text to a recording with the embedded aligner
 * (offline, nothing to download) and say whether the recording says it. Prints each word with its start/end
 * seconds and score, the overall score and the verdict; `--json` prints
 * `{"words":[{"word","start","end","score"}],"score":…,"verdict":"match"|"mismatch"}`.
 * Exit codes: 0 for either verdict, 1 on failure (unreadable audio, too long), 2 on usage errors.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ApiError } from '../../../native-models/common/errors.js';
import { normaliseForAlignment } from '../../../native-models/speech/text.js';
import { AlignError } from '../../../native-models/speech/aligner.js';
import { decodeAudioFile } from '../../node/audio/decode.js';
import { AlignerHost } from '../../node/speech/aligner-host.js';
import { CliError } from '../cli-error.js';

interface AlignOpts {
  text?: string;
  lang: 'en' | 'fr';
  json?: boolean;
}

const fmt = (s: number | null) => (s === null ? '    –  ' : `${s.toFixed(2).padStart(7)}`);

export function registerAlignCommand(program: Command): void {
  program
    .command('align')
    .description(
      'align a text to a recording (embedded aligner, offline) and check that the recording says it: word ' +
        'timings, scores and a verdict (exit 0 for either verdict)',
    )
    .argument('<audio>', 'the recording (WAV, FLAC, MP3, Ogg/Opus, M4A/AAC, WebM, or a video with sound)')
    .requiredOption('--text <text>', 'the text the recording should say')
    .addOption(new Option('--lang <language>', 'language of the text').choices(['en', 'fr']).default('en'))
    .option('--json', 'print {"words":[{"word","start","end","score"}],"score","verdict"} on stdout')
    .action(async (file: string, opts: AlignOpts) => {
      const text = opts.text ?? '';
      try {
        if (!normaliseForAlignment(text, opts.lang).tokens.length)
          throw new CliError('--text has no words to align: give the words the recording should say', 2);
      } catch (err) {
        if (err instanceof RangeError) throw new CliError(`--text: ${err.message}`, 2);
        throw err;
      }
      let audio;
      try {
        audio = await decodeAudioFile(file);
      } catch (err) {
        throw new CliError(err instanceof ApiError ? err.message : `cannot read ${file}: ${(err as Error).message}`, 1);
      }
      const host = new AlignerHost();
      try {
        const r = await host.align(audio.samples, audio.sampleRate, text, opts.lang);
        if (opts.json) {
          const words = r.words.map((w) => ({ word: w.word, start: w.start, end: w.end, score: w.score }));
          process.stdout.write(`${JSON.stringify({ words, score: r.score, verdict: r.verdict })}\n`);
        } else {
          const width = Math.max(4, ...r.words.map((w) => w.word.length));
          process.stdout.write(`${'word'.padEnd(width)}   start     end  score\n`);
          for (const w of r.words)
            process.stdout.write(
              `${w.word.padEnd(width)} ${fmt(w.start)} ${fmt(w.end)}  ${w.score.toFixed(2)}${w.status === 'ok' ? '' : `  ${w.status}`}\n`,
            );
          process.stdout.write(`score ${r.score.toFixed(2)}  verdict ${r.verdict}\n`);
          for (const reason of r.reasons) process.stdout.write(`  ${reason}\n`);
        }
      } catch (err) {
        if (err instanceof AlignError) throw new CliError(err.message, 1);
        throw err;
      } finally {
        await host.dispose();
      }
    });
}
