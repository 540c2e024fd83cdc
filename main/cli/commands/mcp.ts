/**
 * `timbre mcp`: a Model Context Protocol server over stdio (the official SDK), so an AI assistant can speak text to a
 * file, list voices, make a project from a script, generate and export it, and follow the progress. It runs its own
 * core on the data folder (like every CLI command): the same contract, the same validation, nothing over a network.
 * stdout carries only the protocol; diagnostics go to stderr.
 */
import path from 'node:path';
import { promises as fsp, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { appVersion } from '../../node/app-root.js';
import { createCore, type Core } from '../../node/core.js';
import { createSpeechEncoder } from '../../node/api/speech-encoder.js';
import { checkOutputTarget } from '../../../native-models/common/safe-fs.js';
import { toApiError } from '../../../native-models/common/errors.js';
import type { ExportJob, Job, MethodName, MethodResult } from '../../../preload/contract/index.js';
import { SpeechFormat } from '../../../preload/contract/index.js';
import { currentPolicy } from '../../node/policy/policy.js';
import { CliError } from '../cli-error.js';

type ToolResult = {
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

const ok = (text: string, structured?: Record<string, unknown>): ToolResult => ({
  content: [{ type: 'text', text }],
  ...(structured ? { structuredContent: structured } : {}),
});
const fail = (err: unknown): ToolResult => ({
  content: [{ type: 'text', text: toApiError(err).message }],
  isError: true,
});

/** Speak text into a file, atomically (temp file next to it, renamed when complete). */
async function speakToFile(
  core: Core,
  req: { input: string; voice: string; model: string; speed: number },
  format: z.infer<typeof SpeechFormat>,
  out: string,
) {
  const target = await checkOutputTarget(out, { what: 'The output file' });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp-timbre`);
  const fh = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
  const enc = createSpeechEncoder(format);
  const written = (async () => {
    for await (const chunk of enc.output) await fh.write(chunk as Buffer);
  })();
  try {
    const r = await core.speech.speak(req, (pcm) => enc.write(pcm));
    await enc.end();
    await written;
    await fh.sync();
    await fh.close();
    await fsp.rename(tmp, target);
    return r;
  } catch (err) {
    enc.abort();
    await written.catch(() => undefined);
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

export function registerMcpCommand(program: Command, getDataDir: () => string): void {
  program
    .command('mcp')
    .description('run a Model Context Protocol server on stdio (for AI assistants): speak, voices, projects, export')
    .action(async () => {
      const policy = currentPolicy();
      if (policy.policy.localApi === false)
        throw new CliError(
          `The local API (and timbre mcp) is turned off: set by your organization (policy ${policy.source}).`,
          1,
        );
      const core = await createCore({
        dataDir: getDataDir(),
        transport: 'web',
        version: appVersion(),
        log: (m) => process.stderr.write(`${m}\n`),
      });
      const call = async <M extends MethodName>(m: M, params: unknown): Promise<MethodResult<M>> => {
        const r = await core.dispatch(m, params);
        if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
        return r.result as MethodResult<M>;
      };
      const abs = (p: string) => path.resolve(process.cwd(), p);
      const server = new McpServer({ name: 'timbre', version: appVersion() });

      server.registerTool(
        'list_voices',
        {
          title: 'List voices',
          description: "Every voice Timbre can speak with: built-in engine voices and the user's own library voices.",
          inputSchema: { engine: z.string().max(100).optional().describe('only this engine, e.g. espeak') },
        },
        async ({ engine }) => {
          try {
            const voices = await core.speech.voiceList();
            const list = voices.filter((v) => !engine || v.engine === engine);
            return ok(
              list.map((v) => `${v.id}\t${v.name}\t${v.language}${v.available ? '' : '\t(unavailable)'}`).join('\n'),
              {
                voices: list,
              },
            );
          } catch (err) {
            return fail(err);
          }
        },
      );

      server.registerTool(
        'speak',
        {
          title: 'Speak text to a file',
          description:
            'Synthesise text with a voice and write the audio file. Voice: an id or name from list_voices, or an OpenAI voice name (alloy, nova, …).',
          inputSchema: {
            text: z.string().min(1).max(100_000),
            output_path: z
              .string()
              .min(1)
              .max(4096)
              .describe('where to write the audio (absolute, or relative to the working folder)'),
            voice: z.string().max(200).default('alloy'),
            format: SpeechFormat.default('wav'),
            speed: z.number().min(0.25).max(4).default(1),
            model: z.string().max(100).default('tts-1'),
          },
        },
        async ({ text, output_path, voice, format, speed, model }) => {
          try {
            const out = abs(output_path);
            const r = await speakToFile(core, { input: text, voice, model, speed }, format, out);
            return ok(`Wrote ${out} (${r.seconds.toFixed(2)} s, voice ${r.voice})`, {
              path: out,
              seconds: r.seconds,
              voice: r.voice,
            });
          } catch (err) {
            return fail(err);
          }
        },
      );

      server.registerTool(
        'create_project',
        {
          title: 'Create a project from a script',
          description:
            'Make a studio project from script text (or a script file): one line per paragraph or speaker turn (longer than 300 characters: cut at sentence ends), speakers from "NAME: text" prefixes.',
          inputSchema: {
            name: z.string().min(1).max(200),
            script: z.string().max(5_000_000).optional().describe('the script text'),
            script_path: z.string().max(4096).optional().describe('or a script file: .txt .md .srt .vtt .docx .epub'),
            voice: z.string().max(200).optional().describe('the project voice id (e.g. espeak:en-us+f2)'),
          },
        },
        async ({ name, script, script_path, voice }) => {
          let id: string | null = null;
          try {
            if (!script === !script_path) throw new Error('Give either script or script_path');
            const p = await call('projects.create', { name });
            id = p.id;
            const d = await call('script.import', {
              projectId: id,
              source: script ? { text: script, format: 'txt' } : { path: abs(script_path!) },
            });
            if (voice) await call('projects.setVoice', { id, voiceId: voice });
            return ok(
              `Project ${id}: ${d.lines.length} lines, speakers ${d.speakers.map((s) => s.name).join(', ') || 'none'}`,
              {
                projectId: id,
                lines: d.lines.length,
                speakers: d.speakers.map((s) => s.name),
              },
            );
          } catch (err) {
            if (id) await core.dispatch('projects.delete', { id }); // bad input leaves nothing behind
            return fail(err);
          }
        },
      );

      server.registerTool(
        'generate_project',
        {
          title: 'Generate a project',
          description: 'Queue every line of a project for synthesis; returns at once. Follow it with job_progress.',
          inputSchema: { project_id: z.string().max(64) },
        },
        async ({ project_id }) => {
          try {
            const jobs = await call('jobs.generate', { projectId: project_id });
            return ok(`Queued ${jobs.length} lines of ${project_id}`, { projectId: project_id, queued: jobs.length });
          } catch (err) {
            return fail(err);
          }
        },
      );

      server.registerTool(
        'export_project',
        {
          title: 'Export a project',
          description: 'Mix a generated project down to an audio file (and subtitles); returns an export id at once.',
          inputSchema: {
            project_id: z.string().max(64),
            output_path: z.string().min(1).max(4096),
            format: z.enum(['wav', 'flac', 'mp3', 'opus', 'm4a', 'm4b']).default('mp3'),
            loudness: z.enum(['podcast', 'broadcast', 'none']).default('podcast'),
            srt_path: z.string().max(4096).optional(),
          },
        },
        async ({ project_id, output_path, format, loudness, srt_path }) => {
          try {
            const job = await call('export.start', {
              projectId: project_id,
              format,
              loudness,
              outputPath: abs(output_path),
              ...(srt_path ? { srtPath: abs(srt_path) } : {}),
            });
            return ok(`Export ${job.id} started`, { exportId: job.id, status: job.status });
          } catch (err) {
            return fail(err);
          }
        },
      );

      server.registerTool(
        'job_progress',
        {
          title: 'Progress of generation or an export',
          description:
            'For a project: how many lines are done, running, queued or failed. For an export: its phase and files.',
          inputSchema: { project_id: z.string().max(64).optional(), export_id: z.string().max(64).optional() },
        },
        async ({ project_id, export_id }) => {
          try {
            if (export_id) {
              const e: ExportJob = await call('export.get', { id: export_id });
              const text =
                e.status === 'done'
                  ? `Export done: ${e.files.map((f) => f.path).join(', ')} (${e.integratedLufs?.toFixed(1)} LUFS)`
                  : `Export ${e.status}: ${e.phase} ${Math.round(e.progress * 100)} %${e.error ? ` (${e.error.message})` : ''}`;
              return ok(text, { export: e });
            }
            if (!project_id) throw new Error('Give project_id or export_id');
            const jobs: Job[] = await call('jobs.list', { projectId: project_id });
            const count = (s: Job['status']) => jobs.filter((j) => j.status === s).length;
            const counts = {
              done: count('done'),
              running: count('running'),
              queued: count('queued'),
              failed: count('failed') + count('interrupted'),
              cancelled: count('cancelled'),
            };
            const total = jobs.length;
            const fraction = total ? jobs.reduce((a, j) => a + (j.status === 'done' ? 1 : j.progress), 0) / total : 1;
            return ok(
              `${counts.done} of ${total} lines done (${Math.round(fraction * 100)} %), ${counts.running} running, ${counts.queued} queued, ${counts.failed} failed`,
              { projectId: project_id, total, fraction, ...counts },
            );
          } catch (err) {
            return fail(err);
          }
        },
      );

      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once('end', () => resolve());
      });
      await server.connect(transport);
      process.stderr.write(`Timbre MCP server on stdio (data folder ${core.dataDir})\n`);
      await closed;
      await server.close().catch(() => undefined);
      await core.close();
    });
}
