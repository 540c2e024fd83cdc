import path from 'node:path';
import { Option, type Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore } from '../../node/core.js';
import { toApiError } from '../../../native-models/common/errors.js';
import { methods, type ExportJob } from '../../../preload/contract/index.js';
import { CliError } from '../cli-error.js';
import { knob } from '../knobs.js';

interface ExportCliOptions {
  format: string;
  loudness: string;
  output: string;
  srt?: string;
  vtt?: string;
  wordsVtt?: string;
  stems?: string;
  sampleRate: string;
  channels: string;
  bits: string;
  mp3Mode: string;
  bitrate?: string;
  chapters: boolean;
  preset: string;
  json?: boolean;
}

/**
 * `timbre export PROJECT_ID --format mp3 --loudness podcast -o episode.mp3 [--srt …] [--vtt …] [--stems …]`;
 * `timbre export PROJECT_ID --preset acx -o book.mp3`: one ACX-ready MP3 per chapter and a report.
 */
export function registerExportCommand(program: Command, getDataDir: () => string): void {
  program
    .command('export')
    .description('export a project: mixdown of the active takes at a loudness target, with subtitles and chapters')
    .argument('<project>', 'project id (see the Studio, or `timbre serve`)')
    .addOption(
      new Option('-f, --format <format>', 'audio format')
        .choices(['wav', 'flac', 'mp3', 'opus', 'm4a', 'm4b'])
        .default('mp3'),
    )
    .addOption(
      new Option('-l, --loudness <preset>', 'podcast: -16 LUFS stereo / -19 mono; broadcast: -23 LUFS; none')
        .choices(['podcast', 'broadcast', 'none'])
        .default('podcast'),
    )
    .requiredOption('-o, --output <file>', 'the audio file to write')
    .option('--srt <file>', "also write SRT subtitles, cues timed from each take's words")
    .option('--vtt <file>', 'also write WebVTT subtitles')
    .option('--words-vtt <file>', 'also write word-level WebVTT (a timestamp before every word)')
    .addOption(
      new Option('--stems <by>', 'also write stems, one file per line or per speaker, zipped').choices([
        'line',
        'speaker',
      ]),
    )
    .addOption(
      new Option('--sample-rate <hz>', 'sample rate').choices(['22050', '24000', '44100', '48000']).default('44100'),
    )
    .addOption(new Option('--channels <n>', 'channels').choices(['1', '2']).default('2'))
    .addOption(new Option('--bits <n>', 'WAV/FLAC bit depth').choices(['16', '24']).default('16'))
    .addOption(new Option('--mp3-mode <mode>', 'MP3 bit rate mode').choices(['cbr', 'vbr']).default('cbr'))
    .addOption(
      new Option('--bitrate <kbps>', 'bit rate for MP3 CBR, Opus and AAC, 32 to 320').argParser((v) =>
        String(knob('--bitrate', { min: 32, max: 320, integer: true, unit: 'kbps' })(v)),
      ),
    )
    .option('--no-chapters', 'leave out chapter markers')
    .addOption(
      new Option(
        '--preset <preset>',
        'acx: audiobook files for ACX, one MP3 per chapter ("<output name> - 01 - Title.mp3": 44.1 kHz, CBR 192 kbps, RMS -20 dBFS, peaks <= -3 dBFS, room tone) and "<output name> - ACX report.txt"; exit status 3 when a file fails a check',
      )
        .choices(['none', 'acx'])
        .default('none'),
    )
    .option('--json', 'machine-readable output')
    .action(async (projectId: string, o: ExportCliOptions, cmd: Command) => {
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      const abs = (p: string) => path.resolve(process.cwd(), p);
      const acx = o.preset === 'acx';
      const parsed = methods['export.start'].input.safeParse({
        projectId,
        preset: o.preset,
        // The preset's own settings unless the user chose others (which the core then refuses, naming them).
        format: acx && !given('format') ? 'mp3' : o.format,
        ...(acx && !given('channels') ? { channels: 1 } : {}),
        loudness: o.loudness,
        outputPath: abs(o.output),
        sampleRate: Number(o.sampleRate),
        ...(acx && !given('channels') ? {} : { channels: Number(o.channels) }),
        wavBits: Number(o.bits),
        mp3Mode: o.mp3Mode,
        bitrateKbps: o.bitrate === undefined ? undefined : Number(o.bitrate),
        chapters: o.chapters,
        stems: o.stems ?? 'none',
      });
      if (!parsed.success)
        throw new CliError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), 2);
      const core = await createCore({
        dataDir: getDataDir(),
        transport: 'web',
        version: appVersion(),
        log: () => undefined,
      });
      let job: ExportJob;
      const onSig = () => void core.exports.cancel(job?.id ?? '');
      try {
        let lastPct = -1;
        const stop = core.subscribe((event, payload) => {
          if (event !== 'export.progress' || o.json || !process.stderr.isTTY) return;
          const pct = Math.round((payload as ExportJob).progress * 100);
          if (pct !== lastPct) process.stderr.write(`\r${(payload as ExportJob).phase} ${pct}%   `);
          lastPct = pct;
        });
        try {
          job = await core.exports.start({
            ...parsed.data,
            srtPath: o.srt ? abs(o.srt) : undefined,
            vttPath: o.vtt ? abs(o.vtt) : undefined,
            wordsVttPath: o.wordsVtt ? abs(o.wordsVtt) : undefined,
          });
        } catch (err) {
          const e = toApiError(err);
          throw new CliError(e.message, e.code === 'INVALID_INPUT' || e.code === 'NOT_FOUND' ? 2 : 1);
        }
        process.once('SIGINT', onSig);
        job = await core.exports.wait(job.id);
        stop();
        if (!o.json && process.stderr.isTTY) process.stderr.write('\r');
        if (job.status !== 'done') throw new CliError(job.error?.message ?? `Export ${job.status}`, 1);
        if (o.json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
        else if (job.acx) {
          for (const [i, f] of job.acx.files.entries()) {
            const failed = f.checks.filter((c) => !c.pass);
            process.stdout.write(`${f.pass ? 'pass' : 'FAIL'}  ${job.files[i].path}\n`);
            for (const c of failed) process.stdout.write(`        ${c.message}\n`);
          }
          const report = job.files.find((f) => f.kind === 'report');
          process.stdout.write(
            `${job.acx.files.length} chapter file(s), ${job.acx.files.filter((f) => f.pass).length} passing every ACX check; report: ${report?.path ?? '-'}\n`,
          );
        } else {
          for (const f of job.files) process.stdout.write(`${f.kind.padEnd(6)} ${f.path} (${f.bytes} bytes)\n`);
          process.stdout.write(
            `${job.durationSeconds!.toFixed(1)} s, ${job.integratedLufs!.toFixed(1)} LUFS integrated, true peak ${job.truePeakDbtp!.toFixed(1)} dBTP\n`,
          );
        }
        // Exported, but not ready for ACX: a distinct exit status for scripts.
        if (job.acx && !job.acx.pass) process.exitCode = 3;
      } finally {
        process.off('SIGINT', onSig);
        await core.close();
      }
    });
}
