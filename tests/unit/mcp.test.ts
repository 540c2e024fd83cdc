/**
 * Issue #12: `timbre mcp` driven by the official MCP SDK client over stdio: it lists the tools, speaks a sentence to a
 * file that decodes, and makes, generates and exports a project while reporting progress.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const t = tempDir();
let client: Client;

type Result = {
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};
const tool = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as Result;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
    stdio: 'ignore',
  });
  client = new Client({ name: 'timbre-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [path.join(ROOT, 'bin/timbre.mjs'), '--data-dir', path.join(t.dir, 'data'), 'mcp'],
      cwd: t.dir,
      stderr: 'ignore',
    }),
  );
}, 60_000);

afterAll(async () => {
  await client?.close();
  t.cleanup();
});

function seconds(file: string): number {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  return Number(r.stdout.trim());
}

describe('timbre mcp (MCP SDK client over stdio)', () => {
  it('lists its tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(
      ['create_project', 'export_project', 'generate_project', 'job_progress', 'list_voices', 'speak'].sort(),
    );
    const speak = tools.find((x) => x.name === 'speak')!;
    expect(speak.inputSchema.required).toEqual(expect.arrayContaining(['text', 'output_path']));
  });

  it('speaks a sentence into a file that decodes; a bad voice is an error result, nothing written', async () => {
    const r = await tool('speak', {
      text: 'Hello from the model context protocol.',
      output_path: 'hello.mp3',
      format: 'mp3',
      voice: 'nova',
    });
    expect(r.isError, r.content[0].text).toBeFalsy();
    const file = path.join(t.dir, 'hello.mp3');
    expect(r.structuredContent).toMatchObject({ path: file, voice: 'espeak:en-us+f2' });
    expect(seconds(file)).toBeGreaterThan(1.5);
    const bad = await tool('speak', { text: 'Hi.', output_path: 'bad.wav', voice: 'nobody' });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/No voice "nobody"/);
    expect(existsSync(path.join(t.dir, 'bad.wav'))).toBe(false);
  });

  it('lists voices', async () => {
    const r = await tool('list_voices', { engine: 'espeak' });
    const voices = r.structuredContent!.voices as { id: string }[];
    expect(voices.some((v) => v.id === 'espeak:en-us')).toBe(true);
  });

  it('creates, generates and exports a project, reporting progress', async () => {
    const created = await tool('create_project', {
      name: 'Assistant episode',
      script: 'HOST: Welcome to the show.\nGUEST: Glad to be here.',
    });
    expect(created.isError, created.content[0].text).toBeFalsy();
    const projectId = created.structuredContent!.projectId as string;
    expect(created.structuredContent).toMatchObject({ lines: 2, speakers: ['HOST', 'GUEST'] });
    const gen = await tool('generate_project', { project_id: projectId });
    expect(gen.structuredContent).toMatchObject({ queued: 2 });
    await expect
      .poll(async () => (await tool('job_progress', { project_id: projectId })).structuredContent!.done, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(2);
    const exp = await tool('export_project', { project_id: projectId, output_path: 'episode.mp3' });
    expect(exp.isError, exp.content[0].text).toBeFalsy();
    const exportId = exp.structuredContent!.exportId as string;
    await expect
      .poll(
        async () =>
          ((await tool('job_progress', { export_id: exportId })).structuredContent!.export as { status: string })
            .status,
        { timeout: 60_000, interval: 200 },
      )
      .toBe('done');
    expect(seconds(path.join(t.dir, 'episode.mp3'))).toBeGreaterThan(1);
  }, 120_000);
});
