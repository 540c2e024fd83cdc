import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { decodeAudioFile } from '../../node/audio/decode.js';
import { writeFileAtomic } from '../../node/atomic-fs.js';
import { encodeWav } from '../../../native-models/audio/wav.js';
import { WorkerHost } from '../../node/jobs/worker-host.js';
import { dataLayout } from '../../node/paths.js';
import { DEFAULT_VOICE, parseVoiceId } from '../../node/jobs/queue.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { CliError } from '../cli-error.js';
import { knob, synthesisRange } from '../knobs.js';

interface SayOptions {
  output: string;
  voice?: string;
  engine?: string;
  speed?: number;
  temperature?: number;
  steps?: number;
  seed?: number;
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
    .action(async (textArg: string, opts: SayOptions) => {
      const text = textArg === '-' ? await readStdin() : textArg;
      const reference = opts.voice && existsSync(opts.voice) && statSync(opts.voice).isFile() ? opts.voice : null;
      const voice = reference
        ? { engineId: opts.engine ?? 'pocket-tts', voiceId: 'reference' }
        : resolveVoice(opts.voice, opts.engine);
      const host = new WorkerHost({ modelsDir: dataLayout(getDataDir()).models });
      const chunks: Float32Array[] = [];
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
        const res = await host.synthesize(
          { jobId: 'cli', engineId: voice.engineId, voiceId: voice.voiceId, text, options },
          { onChunk: (pcm) => chunks.push(pcm), onProgress: () => undefined },
        );
        const pcm = new Float32Array(res.samples);
        let off = 0;
        for (const c of chunks) {
          pcm.set(c, off);
          off += c.length;
        }
        const out = path.resolve(opts.output);
        await writeFileAtomic(out, encodeWav(pcm, res.sampleRate));
        process.stderr.write(
          `Wrote ${out} (${(res.samples / res.sampleRate).toFixed(2)} s, ${res.sampleRate} Hz, voice ${voice.engineId}:${voice.voiceId})\n`,
        );
      } catch (err) {
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
