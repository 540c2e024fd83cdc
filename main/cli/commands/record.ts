import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { AtomicWavWriter } from '../../node/atomic-fs.js';
import { checkOutputPath } from '../output-path.js';
import { listInputDevices } from '../../node/recorder/devices.js';
import { Recorder, RecorderError, type LevelEvent } from '../../node/recorder/recorder.js';
import { SILENCE_DB } from '../../node/recorder/levels.js';
import { CliError } from '../cli-error.js';
import { openLedger, type LedgerSink } from '../../node/privacy/ledger.js';
import { knob } from '../knobs.js';

interface RecordOpts {
  seconds?: number;
  output?: string;
  device?: string;
  sampleRate: number;
  listDevices?: boolean;
}

/** `timbre record --seconds N -o take.wav [--device NAME] [--list-devices]`: record the microphone to a WAV file. */
export function registerRecordCommand(program: Command, getDataDir: () => string): void {
  program
    .command('record')
    .description('record the microphone to a WAV file (16-bit mono); Ctrl+C stops early and saves')
    .addOption(
      new Option('--seconds <n>', 'length of the take in seconds (the most it records)').argParser(
        knob('--seconds', { min: 0, max: 4 * 3600, minExclusive: true, unit: 'seconds' }),
      ),
    )
    .option('-o, --output <file>', 'the WAV file to write')
    .option('--device <name>', 'input device (see --list-devices; default: the system default input)')
    .addOption(
      new Option('--sample-rate <hz>', 'capture sample rate')
        .argParser(knob('--sample-rate', { min: 8000, max: 192_000, integer: true, unit: 'Hz' }))
        .default(48000),
    )
    .option('--list-devices', 'list the input devices and exit')
    .action(async (opts: RecordOpts) => {
      if (opts.listDevices) {
        const devices = await listInputDevices();
        if (!devices.length) {
          process.stdout.write(
            'No input devices found (no PulseAudio server running and no ALSA capture devices from arecord -l).\n',
          );
          return;
        }
        for (const d of devices) {
          const tags = [d.isDefault ? 'default' : '', d.isMonitor ? 'monitor of an output' : ''].filter(Boolean);
          process.stdout.write(`${d.id}\t${d.description}${tags.length ? ` [${tags.join(', ')}]` : ''}\n`);
        }
        return;
      }
      if (opts.seconds === undefined || !(opts.seconds > 0)) {
        throw new CliError('--seconds N is required (a number of seconds over 0)', 2);
      }
      if (!opts.output) throw new CliError('-o, --output <file> is required', 2);
      const out = path.resolve(opts.output);
      await checkOutputPath(out);
      // The privacy ledger of the data folder sees the microphone open and close, as the app's recorder does
      // (docs/privacy.md). A ledger that cannot be opened stops the command before the microphone opens.
      let opened: ReturnType<typeof openLedger>;
      try {
        opened = openLedger(getDataDir());
      } catch (err) {
        throw new CliError(
          `Cannot open the privacy ledger in the data folder ${getDataDir()} (the microphone stays closed): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      try {
        await recordToFile(out, opts.seconds, opts.device, opts.sampleRate, opened.ledger);
      } finally {
        opened.close();
      }
    });
}

/**
 * Record straight to disk: the take streams into a temp file next to `out` (so memory stays flat for a take of
 * hours, and a full disk is found at once, not at the end), renamed over `out` when it ends. A disk that fills up
 * mid-take keeps what was recorded and exits 1; a disk full from the start leaves nothing.
 */
async function recordToFile(
  out: string,
  seconds: number,
  device: string | undefined,
  sampleRate: number,
  ledger: LedgerSink,
) {
  if (Math.round(seconds * sampleRate) > AtomicWavWriter.MAX_FRAMES) {
    const hours = AtomicWavWriter.MAX_FRAMES / sampleRate / 3600;
    throw new CliError(`A WAV file holds at most ${hours.toFixed(1)} hours at ${sampleRate} Hz: lower --seconds`, 2);
  }
  const writer = await AtomicWavWriter.open(out, sampleRate);
  const rec = new Recorder();
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  let clipSeen = false;
  rec.on('level', (l) => {
    if (l.clipping) clipSeen = true;
    const now = Date.now();
    if (tty && now - lastDraw >= 100) {
      lastDraw = now;
      process.stderr.write(`\r${meterLine(l, seconds)}\x1b[K`);
    }
  });
  let ended: () => void = () => undefined;
  const endedP = new Promise<void>((r) => (ended = r));
  // How the take ended, for the ledger's microphone.closed: the recorder's reason, Ctrl+C, or an error here.
  let how = 'stopped';
  rec.on('ended', ({ reason }) => {
    how = reason;
    ended();
  });
  const onSigint = () => {
    how = 'interrupted';
    ended();
  };
  process.on('SIGINT', onSigint);
  let committed = false;
  let openedAt: number | null = null;
  try {
    try {
      await rec.start({ device, sampleRate, maxSeconds: seconds, sink: (pcm) => writer.write(pcm) });
    } catch (err) {
      if (err instanceof RecorderError) throw new CliError(err.message, err.code === 'INVALID_OPTIONS' ? 2 : 1);
      throw err;
    }
    openedAt = Date.now();
    ledger.record('microphone.opened', {
      purpose: 'record-to-file',
      via: 'cli',
      device: device ? 'chosen' : 'default',
    });
    if (!tty)
      process.stderr.write(`Recording ${seconds} s from ${device ?? 'the default input'}; Ctrl+C stops and saves\n`);
    await endedP;
    const error = rec.lastError;
    await rec.stop();
    if (tty) process.stderr.write('\n');
    const kept = writer.seconds;
    if (error?.code === 'WRITE_FAILED') {
      if (kept <= 0) throw (error as Error & { cause?: unknown }).cause ?? error;
      await writer.commit();
      committed = true;
      throw new CliError(`${error.message}: kept the ${kept.toFixed(2)} s recorded in ${out}`, 1);
    }
    if (error) process.stderr.write(`timbre: ${error.message}; saving the ${kept.toFixed(2)} s recorded\n`);
    await writer.commit();
    committed = true;
    process.stderr.write(
      `Wrote ${out} (${kept.toFixed(2)} s, ${sampleRate} Hz)${clipSeen ? '; the input clipped: lower the gain' : ''}\n`,
    );
  } catch (err) {
    if (openedAt !== null && how === 'stopped') how = 'failed';
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await rec.discard();
    if (openedAt !== null)
      ledger.record('microphone.closed', {
        purpose: 'record-to-file',
        via: 'cli',
        how,
        seconds: Math.round((Date.now() - openedAt) / 100) / 10,
      });
    if (!committed) writer.abort();
  }
}

function fmtDb(db: number): string {
  return db <= SILENCE_DB ? '  -inf' : db.toFixed(1).padStart(6);
}

/** One line of the live meter: elapsed time, a bar from -60 to 0 dBFS, RMS and peak, warnings. */
export function meterLine(l: LevelEvent, total: number): string {
  const width = 30;
  const filled = Math.max(0, Math.min(width, Math.round(((l.rmsDb + 60) / 60) * width)));
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const warn = l.clipping ? '  CLIPPING' : l.tooQuiet ? '  too quiet' : '';
  return `REC ${l.elapsed.toFixed(1).padStart(5)}/${total} s [${bar}] ${fmtDb(l.rmsDb)} dBFS peak ${fmtDb(l.peakDb)}${warn}`;
}
