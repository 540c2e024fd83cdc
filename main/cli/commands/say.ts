import type { Command } from 'commander';
import { Option } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { checkInputFile } from '../../../native-models/common/safe-fs.js';
import { decodeAudioFile } from '../../node/audio/decode.js';
import { writeFileAtomic } from '../../node/atomic-fs.js';
import { encodeWav } from '../../../native-models/audio/wav.js';
import { WorkerHost } from '../../node/jobs/worker-host.js';
import { dataLayout } from '../../node/paths.js';
import { DEFAULT_VOICE, parseVoiceId } from '../../node/jobs/queue.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { CliError } from '../cli-error.js';
import { checkOutputPath } from '../output-path.js';

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
    .addOption(new Option('--speed <x>', 'speaking rate, 0.5 to 2').argParser(parseFloat))
    .action(async (textArg: string, opts: { output: string; voice?: string; engine?: string; speed?: number }) => {
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
      const host = new WorkerHost({ modelsDir: dataLayout(getDataDir()).models });
      const chunks: Float32Array[] = [];
      try {
        const options: Record<string, number | string | boolean> = {};
        if (opts.speed) options.speed = opts.speed;
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
