/**
 * Issue #16, script import: huge scripts through `script.import` / `script.preview` on a real `timbre serve` process.
 * Each gets an answer in a few seconds (accepted, or a clear error naming the limit), the server keeps answering other
 * calls promptly while it works, and the database stays intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIMITS } from '../../preload/contract/index.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { expectServerAlive, integrityCheck } from '../helpers/hostile.js';

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-script-hostile-'));
  server = await startServer(dataDir);
});

afterAll(() => {
  server?.proc.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function newProject(name: string): Promise<string> {
  const r = await server.rpc<{ id: string }>('projects.create', { name });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.result.id;
}

/**
 * Runs `call` while timing app.info calls made one after another until it settles: the slowest app.info answer tells
 * whether the server stayed responsive during the work.
 */
async function whileResponsive<T>(
  call: Promise<T>,
): Promise<{ result: T; ms: number; slowestInfoMs: number; answered: number }> {
  const started = performance.now();
  let done = false;
  const settled = call.finally(() => (done = true));
  let slowest = 0;
  let answered = 0;
  while (!done) {
    const t = performance.now();
    const info = await server.rpc('app.info', {});
    expect(info.ok).toBe(true);
    slowest = Math.max(slowest, performance.now() - t);
    answered++;
  }
  const result = await settled;
  expect(answered).toBeGreaterThan(0);
  const ms = performance.now() - started;
  console.log(`call ${Math.round(ms)} ms; ${answered} app.info answered meanwhile, slowest ${Math.round(slowest)} ms`);
  return { result, ms, slowestInfoMs: slowest, answered };
}

type Reply = Awaited<ReturnType<ServerProcess['rpc']>>;
const lineCount = (r: Reply) => (r.ok ? (r.result as { lines: unknown[] }).lines.length : -1);

describe('huge scripts through script.import and script.preview', () => {
  it('a 5 MB script on one line without punctuation: split at word boundaries into ≤ 300-character lines, promptly', async () => {
    const id = await newProject('one long line');
    const text = 'word '.repeat(1_000_000); // 5,000,000 characters, one source line, one sentence
    expect(text.length).toBeLessThanOrEqual(LIMITS.scriptTextMax);
    const { result, ms, slowestInfoMs, answered } = await whileResponsive(
      server.rpc('script.import', { projectId: id, source: { text, format: 'txt' }, mode: 'replace' }),
    );
    expect(result.ok).toBe(true);
    const lines = (result as { ok: true; result: { lines: Array<{ text: string }> } }).result.lines;
    expect(lines.length).toBeGreaterThan(16_000);
    expect(lines.length).toBeLessThanOrEqual(LIMITS.linesPerProjectMax);
    for (const l of lines) {
      expect(l.text.length).toBeLessThanOrEqual(300);
      expect(l.text).toMatch(/^word( word)*$/); // cut between words, never inside one
    }
    expect(lines.reduce((n, l) => n + l.text.split(' ').length, 0)).toBe(1_000_000);
    expect(ms).toBeLessThan(30_000);
    // Other calls were answered while the import ran (a blocking split answers none until it is over).
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(slowestInfoMs).toBeLessThan(Math.max(3_000, ms / 2));
    await expectServerAlive(server);
  });

  it('a 5 MB one-line script with more sentences than a project holds: a clear error, nothing imported', async () => {
    const id = await newProject('too many sentences');
    // One line per sentence (the mode that makes the most lines; by turn, 300-character lines, it would be ~16,500).
    const text = 'It rained. '.repeat(450_000); // 4.95 MB, 450,000 sentences on one line
    const { result, ms, slowestInfoMs } = await whileResponsive(
      server.rpc('script.import', {
        projectId: id,
        source: { text, format: 'txt' },
        mode: 'append',
        split: 'sentence',
      }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!result.ok && result.error.message).toMatch(/at most 20,000.*Split the script into several projects/);
    expect(ms).toBeLessThan(15_000);
    expect(slowestInfoMs).toBeLessThan(Math.max(3_000, ms / 2));
    const detail = await server.rpc<{ lines: unknown[] }>('projects.get', { id });
    expect(detail.ok && detail.result.lines.length).toBe(0);
    // The preview refuses it the same way (and quickly: the splitter stops at the limit).
    const preview = await server.rpc('script.preview', { text, format: 'txt', split: 'sentence' });
    expect(preview).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('a 10,001-line script is imported (and previewed); another 10,001 lines exceed the project limit with a clear error', async () => {
    const id = await newProject('ten thousand lines');
    const text = Array.from({ length: 10_001 }, (_, i) => `Line number ${i + 1} of the script.`).join('\n\n');
    const preview = await whileResponsive(server.rpc('script.preview', { text, format: 'txt' }));
    expect(lineCount(preview.result)).toBe(10_001);
    const first = await whileResponsive(
      server.rpc('script.import', { projectId: id, source: { text, format: 'txt' }, mode: 'append' }),
    );
    expect(lineCount(first.result)).toBe(10_001);
    expect(first.ms).toBeLessThan(20_000);
    expect(first.slowestInfoMs).toBeLessThan(Math.max(3_000, first.ms / 2));
    const second = await server.rpc('script.import', {
      projectId: id,
      source: { text, format: 'txt' },
      mode: 'append',
    });
    expect(second).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(!second.ok && second.error.message).toMatch(
      /10,001 lines; a project holds at most 20,000 \(it has 10,001\)/,
    );
    const detail = await server.rpc<{ lines: unknown[] }>('projects.get', { id });
    expect(detail.ok && detail.result.lines.length).toBe(10_001);
  });

  it('pathological runs (brackets, @, spaces after a heading mark) are split in linear time', async () => {
    for (const text of [
      '['.repeat(1_000_000),
      'a'.repeat(1_000_000),
      `# a${' '.repeat(1_000_000)}b`,
      'x@'.repeat(500_000),
    ]) {
      const t = performance.now();
      const r = await server.rpc('script.preview', { text, format: 'txt' });
      expect(r.ok).toBe(true);
      expect(performance.now() - t).toBeLessThan(15_000); // quadratic code took hours on these
    }
  });

  it('the server is up and the database intact after all of the above', async () => {
    await expectServerAlive(server);
    expect(integrityCheck(dataDir)).toBe('ok');
  });
});
