/**
 * `timbre render SCRIPT [--voice V] [--speaker-voice S=V]... [--engine E] -f mp3 -l podcast -o OUT [--srt F]
 * [--vtt F] [--auto-retake N] [--json]`: a script file (any format the studio imports) to a finished episode in one command. It makes
 * a project (kept, so a line can be fixed in the studio and exported again; `--discard-project` removes it), generates
 * every line with a progress bar and the time left, exports, and prints a report (`--json`: machine-readable).
 * The batch path for automation; the same calls the studio makes, validated by the same contract.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore, type Core } from '../../node/core.js';
import { toApiError } from '../../../native-models/common/errors.js';
import { checkInputFile } from '../../../native-models/common/safe-fs.js';
import {
  methods,
  type ExportJob,
  type Job,
  type MethodName,
  type MethodResult,
  type ProjectDetail,
  type VoiceInfo,
} from '../../../preload/contract/index.js';
import { DEFAULT_VOICE } from '../../node/studio/line-state.js';
import { CliError } from '../cli-error.js';
import { checkOutputPath } from '../output-path.js';
import { knob } from '../knobs.js';

interface RenderOptions {
  voice?: string;
  speakerVoice: string[];
  engine?: string;
  format: string;
  loudness: string;
  output: string;
  srt?: string;
  vtt?: string;
  name?: string;
  discardProject?: boolean;
  json?: boolean;
  autoRetake?: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

export function registerRenderCommand(program: Command, getDataDir: () => string): void {
  program
    .command('render')
    .description('turn a script file into a finished episode: generate every line, mix, export (one command)')
    .argument('<script>', 'the script: .txt, .md, .srt, .vtt, .docx or .epub (speaker names as "NAME: text")')
    .option('--voice <voice>', 'the project voice: a voice id (espeak:en-us+f2, library:<id>) or name')
    .option(
      '--speaker-voice <speaker=voice>',
      "a speaker's voice, e.g. HOST=espeak:en-us+m3 (repeat for each speaker)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--engine <engine>', 'engine for voices given by their engine-local name (default: espeak)')
    .addOption(
      new Option('-f, --format <format>', 'audio format')
        .choices(['wav', 'flac', 'mp3', 'opus', 'm4a', 'm4b'])
        .default('mp3'),
    )
    .addOption(
      new Option('-l, --loudness <preset>', 'podcast: -16 LUFS stereo; broadcast: -23 LUFS; none')
        .choices(['podcast', 'broadcast', 'none'])
        .default('podcast'),
    )
    .requiredOption('-o, --output <file>', 'the audio file to write')
    .option('--srt <file>', 'also write SRT subtitles')
    .option('--vtt <file>', 'also write WebVTT subtitles')
    .option('--name <name>', 'project name (default: the script file name)')
    .option('--discard-project', 'remove the project (and its takes) once exported')
    .option('--json', 'print a machine-readable report')
    .option(
      '--auto-retake <n>',
      'when take QC flags a line, generate it again with a new seed up to N times (1-5) and keep the best take',
      knob('--auto-retake', { min: 0, max: 5, integer: true }),
    )
    .action(async (script: string, o: RenderOptions) => {
      const started = Date.now();
      const abs = (p: string) => path.resolve(process.cwd(), p);
      await checkInputFile(abs(script), { what: 'The script' }).catch((err: Error) => {
        throw new CliError(err.message, 2);
      });
      for (const out of [o.output, o.srt, o.vtt]) if (out) await checkOutputPath(abs(out));
      const speakerVoices = o.speakerVoice.map((sv) => {
        const i = sv.indexOf('=');
        if (i <= 0 || i === sv.length - 1)
          throw new CliError(`--speaker-voice needs SPEAKER=VOICE (e.g. HOST=espeak:en-us+m3), not "${sv}"`, 2);
        return { speaker: sv.slice(0, i).trim(), voice: sv.slice(i + 1).trim() };
      });
      const exportInput = methods['export.start'].input.safeParse({
        projectId: 'pending',
        format: o.format,
        loudness: o.loudness,
        outputPath: abs(o.output),
      });
      if (!exportInput.success)
        throw new CliError(exportInput.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), 2);

      const core = await createCore({
        dataDir: getDataDir(),
        transport: 'web',
        version: appVersion(),
        log: () => undefined,
      });
      const call = async <M extends MethodName>(m: M, params: unknown): Promise<MethodResult<M>> => {
        const r = await core.dispatch(m, params);
        if (!r.ok)
          throw new CliError(r.error.message, r.error.code === 'INVALID_INPUT' || r.error.code === 'NOT_FOUND' ? 2 : 1);
        return r.result as MethodResult<M>;
      };
      const tty = !o.json && process.stderr.isTTY === true;
      let projectId: string | null = null;
      let batchId: string | null = null;
      let cancelled = false;
      let generating = false;
      const onSig = () => {
        cancelled = true;
        if (batchId) void core.dispatch('jobs.cancelBatch', { batchId });
      };
      process.once('SIGINT', onSig);
      try {
        const voices = (await call('voices.list', {})) as VoiceInfo[];
        const voiceId = (v: string) => resolveVoiceArg(voices, v, o.engine);
        const projectVoice = o.voice ? voiceId(o.voice) : o.engine ? voiceId('default') : null;
        const mapped = speakerVoices.map((s) => ({ ...s, voiceId: voiceId(s.voice) }));

        const project = await call('projects.create', { name: o.name ?? path.basename(script).slice(0, 200) });
        projectId = project.id;
        let detail = (await call('script.import', {
          projectId,
          source: { path: abs(script) },
        })) as ProjectDetail;
        if (!detail.lines.length) throw new CliError(`${script} has no lines to speak`, 1);
        if (projectVoice) await call('projects.setVoice', { id: projectId, voiceId: projectVoice });
        if (o.autoRetake) await call('projects.setAutoRetake', { id: projectId, tries: o.autoRetake });
        if (mapped.length) {
          const names = new Set(detail.speakers.map((s) => s.name.toLowerCase()));
          const unknown = mapped.filter((m) => !names.has(m.speaker.toLowerCase()));
          if (unknown.length)
            throw new CliError(
              `No speaker ${unknown.map((u) => `"${u.speaker}"`).join(', ')} in ${script}; its speakers: ${detail.speakers.map((s) => s.name).join(', ') || 'none'}`,
              2,
            );
          detail = (await call('projects.setSpeakers', {
            id: projectId,
            speakers: detail.speakers.map((s) => ({
              name: s.name,
              voiceId: mapped.find((m) => m.speaker.toLowerCase() === s.name.toLowerCase())?.voiceId ?? s.voiceId,
            })),
          })) as ProjectDetail;
        }

        // Generate, with a progress bar and the time left. From here on the project is worth keeping.
        generating = true;
        const queued = (await call('jobs.generate', { projectId })) as Job[];
        const total = queued.length;
        batchId = queued[0]?.batchId ?? null;
        const ids = new Set(queued.map((j) => j.id));
        const progress = new Map<string, number>();
        const genStart = Date.now();
        const draw = () => {
          if (!tty) return;
          const done = [...progress.values()].reduce((a, b) => a + b, 0);
          const frac = total ? done / total : 1;
          const elapsed = (Date.now() - genStart) / 1000;
          const eta = frac > 0.02 ? (elapsed / frac) * (1 - frac) : NaN;
          const width = 30;
          const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
          process.stderr.write(
            `\rGenerating [${bar}] ${Math.round(frac * 100)} % of ${total} lines, about ${fmtTime(eta)} left\x1b[K`,
          );
        };
        const stop = core.subscribe((event, payload) => {
          if (event !== 'job.updated') return;
          const j = payload as Job;
          if (!ids.has(j.id)) return;
          progress.set(j.id, j.status === 'done' ? 1 : j.progress);
          draw();
        });
        await core.jobs.idle();
        // Auto-retake: QC of each take, and the retakes it asks for, before anything is mixed.
        if (o.autoRetake) await core.retakes.idle();
        // Subtitles are timed from each take's words: let take QC align the takes just made.
        if (exportInput.data.subtitles.length) await core.qc.idle();
        stop();
        if (tty) process.stderr.write('\r\x1b[K');
        if (cancelled) throw new CliError('Cancelled', 1);
        const jobs = ((await call('jobs.list', { projectId })) as Job[]).filter((j) => ids.has(j.id));
        const failed = jobs.filter((j) => j.status !== 'done');
        if (failed.length) {
          const first = failed[0].error?.message ?? failed[0].status;
          throw new CliError(`${failed.length} of ${total} lines could not be generated (first: ${first})`, 1);
        }

        // Export.
        let job = await exportWith(
          core,
          {
            ...exportInput.data,
            projectId,
            srtPath: o.srt ? abs(o.srt) : undefined,
            vttPath: o.vtt ? abs(o.vtt) : undefined,
          },
          tty,
        );
        if (job.status !== 'done') throw new CliError(job.error?.message ?? `Export ${job.status}`, 1);
        job = job as ExportJob;
        const retakes = o.autoRetake
          ? ((await call('projects.get', { id: projectId })) as ProjectDetail).lines.flatMap((l) =>
              l.retake ? [{ line: l.position + 1, outcome: l.retake.outcome, message: l.retake.message }] : [],
            )
          : [];
        if (o.discardProject) await call('projects.delete', { id: projectId });
        const report = {
          projectId: o.discardProject ? null : projectId,
          lines: total,
          speakers: detail.speakers.map((s) => ({ name: s.name, voiceId: s.voiceId ?? projectVoice })),
          files: job.files,
          durationSeconds: job.durationSeconds,
          integratedLufs: job.integratedLufs,
          truePeakDbtp: job.truePeakDbtp,
          wallSeconds: Math.round((Date.now() - started) / 100) / 10,
          ...(o.autoRetake ? { retakes } : {}),
        };
        if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const f of job.files) process.stdout.write(`${f.kind.padEnd(6)} ${f.path} (${f.bytes} bytes)\n`);
          for (const r of retakes) process.stdout.write(`line ${r.line}: ${r.message}\n`);
          process.stdout.write(
            `${total} lines, ${job.durationSeconds!.toFixed(1)} s, ${job.integratedLufs!.toFixed(1)} LUFS, true peak ${job.truePeakDbtp!.toFixed(1)} dBTP, in ${fmtTime(report.wallSeconds)}` +
              `${o.discardProject ? '' : `; project ${projectId} (open it in the studio to fix a line)`}\n`,
          );
        }
      } catch (err) {
        // Bad input changes nothing: a project made before generation started is removed again.
        if (projectId && !generating) await core.dispatch('projects.delete', { id: projectId });
        const e =
          err instanceof CliError
            ? err
            : new CliError(toApiError(err).message, toApiError(err).code === 'INVALID_INPUT' ? 2 : 1);
        if (projectId && generating && !o.discardProject)
          e.message += `; the project ${projectId} keeps what was made (open it in the studio)`;
        throw e;
      } finally {
        process.off('SIGINT', onSig);
        await core.close();
      }
    });
}

async function exportWith(
  core: Core,
  input: Parameters<Core['exports']['start']>[0],
  tty: boolean,
): Promise<ExportJob> {
  const stop = core.subscribe((event, payload) => {
    if (event !== 'export.progress' || !tty) return;
    const p = payload as ExportJob;
    process.stderr.write(`\rExporting: ${p.phase} ${Math.round(p.progress * 100)} %\x1b[K`);
  });
  try {
    const job = await core.exports.start(input);
    return await core.exports.wait(job.id);
  } finally {
    stop();
    if (tty) process.stderr.write('\r\x1b[K');
  }
}

/**
 * A voice argument as an API voice id: an id with its engine (`espeak:en-us+f2`, `library:<id>`), a voice's name
 * (library voices first), or an engine-local id of `--engine` (default eSpeak NG). Unknown → a usage error.
 */
export function resolveVoiceArg(voices: VoiceInfo[], v: string, engine?: string): string {
  const lower = v.toLowerCase();
  const byId = voices.find((x) => x.id === v);
  if (byId) return byId.id;
  const byName =
    voices.find((x) => x.engineId === 'library' && x.name.toLowerCase() === lower) ??
    voices.find((x) => (!engine || x.engineId === engine) && x.name.toLowerCase() === lower);
  if (byName) return byName.id;
  const eng = engine ?? 'espeak';
  if (v === 'default' && voices.some((x) => x.engineId === eng))
    return eng === 'espeak' ? DEFAULT_VOICE : `${eng}:default`;
  const local = voices.find((x) => x.id === `${eng}:${v}`);
  if (local) return local.id;
  throw new CliError(`No voice "${v}"${engine ? ` in ${engine}` : ''}: see "timbre voices list"`, 2);
}
