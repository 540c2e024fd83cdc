import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { checkInputFile } from '../../../native-models/common/safe-fs.js';
import { decodeAudioFile } from '../../node/audio/decode.js';
import { constants as fsc, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { LIMITS } from '../../../preload/contract/index.js';
import { encodeWav } from '../../../native-models/audio/wav.js';
import { WorkerHost } from '../../node/jobs/worker-host.js';
import { dataLayout } from '../../node/paths.js';
import { DEFAULT_VOICE, parseVoiceId } from '../../node/jobs/queue.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { CliError } from '../cli-error.js';
import { checkOutputPath } from '../output-path.js';
import { knob, synthesisRange } from '../knobs.js';

interface SayOptions {
  output: string;
  voice?: string;
  engine?: string;
  speed?: number;
  temperature?: number;
  steps?: number;
  seed?: number;
  progress?: boolean;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

export function registerSayCommand(program: Command, getDataDir: () => string): void {
  program
    .command('say')
    .description('synthesize TEXT to a WAV file')
    .argument('<text>', 'what to say (use "-" to read it from standard input)')
    .requiredOption('-o, --output <file>', 'the WAV file to write')
    .option(
      '--voice <id|file>',
      `voice id (e.g. ${DEFAULT_VOICE}, en-us+f3, pocket-tts:alba) or, with a cloning engine, a reference recording`,
    )
    .option('--engine <id>', 'engine id (default: from the voice, else espeak)')
    .addOption(new Option('--speed <x>', 'speaking rate, 0.5 to 2').argParser(knob('--speed', synthesisRange('speed'))))
    .addOption(
      new Option('--temperature <t>', 'sampling temperature, 0 to 2 (engines that sample)').argParser(
        knob('--temperature', synthesisRange('temperature')),
      ),
    )
    .addOption(
      new Option('--steps <n>', 'flow-matching steps per frame, 1 to 32 (flow engines)').argParser(
        knob('--steps', synthesisRange('flowSteps')),
      ),
    )
    .addOption(
      new Option('--seed <n>', `seed for a reproducible take, 0 to ${2 ** 31 - 1}`).argParser(
        knob('--seed', synthesisRange('seed')),
      ),
    )
    .option('--progress', 'show progress and the time left on stderr (default: when stderr is a terminal)')
    .action(async (textArg: string, opts: SayOptions) => {
      await checkOutputPath(path.resolve(opts.output));
      const text = textArg === '-' ? await readStdin() : textArg;
      // A path that exists is a reference recording: a regular file only (a FIFO or a device is refused, not opened).
      let reference: string | null = null;
      if (opts.voice && existsSync(opts.voice)) {
        await checkInputFile(opts.voice, { what: 'The reference recording' }).catch((err: ApiError) => {
          throw new CliError(err.message, 2);
        });
        reference = opts.voice;
      }
      const voice = reference
        ? { engineId: opts.engine ?? 'pocket-tts', voiceId: 'reference' }
        : resolveVoice(opts.voice, opts.engine);
      if (text.length > LIMITS.scriptTextMax)
        throw new CliError(
          `The text is ${text.length.toLocaleString('en')} characters; "timbre say" speaks at most ${LIMITS.scriptTextMax.toLocaleString('en')} at once: split it into parts.`,
          2,
        );
      const host = new WorkerHost({ modelsDir: dataLayout(getDataDir()).models });
      const out = path.resolve(opts.output);
      // The audio streams into a temp file next to the target as it is made (bounded memory, whatever the text's
      // length); the WAV header is written last, then the file is synced and renamed over the target.
      const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(6).toString('hex')}.tmp-timbre`);
      let fh: FileHandle | undefined;
      let pending: Promise<unknown> = Promise.resolve();
      let written = 0;
      const showProgress = opts.progress ?? process.stderr.isTTY === true;
      const started = Date.now();
      try {
        const options: Record<string, number | string | boolean> = {};
        if (opts.speed !== undefined) options.speed = opts.speed;
        if (opts.temperature !== undefined) options.temperature = opts.temperature;
        if (opts.steps !== undefined) options.flowSteps = opts.steps;
        if (opts.seed !== undefined) options.seed = opts.seed;
        if (reference) {
          const audio = await decodeAudioFile(reference);
          const conditioning = await host.cloneVoice(voice.engineId, audio.samples, audio.sampleRate);
          options.conditioning = Buffer.from(conditioning).toString('base64');
        }
        fh = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
        const file = fh;
        await file.write(Buffer.alloc(44), 0, 44, 0);
        const res = await host.synthesize(
          { jobId: 'cli', engineId: voice.engineId, voiceId: voice.voiceId, text, options },
          {
            onChunk: (pcm) => {
              const data = encodeWav(pcm, 24_000).subarray(44); // 16-bit PCM (the rate only goes in the header)
              const at = 44 + written;
              written += data.length;
              pending = pending.then(() => file.write(data, 0, data.length, at));
            },
            onProgress: (fraction) => {
              if (!showProgress || !(fraction > 0)) return;
              const elapsed = (Date.now() - started) / 1000;
              const eta = (elapsed / fraction) * (1 - fraction);
              process.stderr.write(
                `\rSpeaking: ${(fraction * 100).toFixed(0)} % (about ${formatSeconds(eta)} left)\x1b[K`,
              );
            },
          },
        );
        await pending;
        if (showProgress) process.stderr.write('\r\x1b[K');
        const header = encodeWav(new Float32Array(0), res.sampleRate).subarray(0, 44);
        header.writeUInt32LE(36 + written, 4);
        header.writeUInt32LE(written, 40);
        await file.write(header, 0, 44, 0);
        await file.sync();
        await file.close();
        fh = undefined;
        await fsp.rename(tmp, out);
        process.stderr.write(
          `Wrote ${out} (${(res.samples / res.sampleRate).toFixed(2)} s, ${res.sampleRate} Hz, voice ${voice.engineId}:${voice.voiceId})\n`,
        );
      } catch (err) {
        await fh?.close().catch(() => undefined);
        await fsp.rm(tmp, { force: true }).catch(() => undefined);
        if (err instanceof ApiError) throw new CliError(err.message, err.code === 'INVALID_INPUT' ? 2 : 1);
        throw err;
      } finally {
        await host.close();
      }
    });
}

function resolveVoice(voice: string | undefined, engine: string | undefined): { engineId: string; voiceId: string } {
  if (!voice) return parseVoiceId(engine && engine !== 'espeak' ? `${engine}:default` : DEFAULT_VOICE);
  if (engine)
    return { engineId: engine, voiceId: voice.startsWith(`${engine}:`) ? voice.slice(engine.length + 1) : voice };
  return voice.includes(':') ? parseVoiceId(voice) : { engineId: 'espeak', voiceId: voice };
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
