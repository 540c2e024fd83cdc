/**
 * Shared checks for the hostile-input tests (issue #16): run the CLI with a wall-clock limit and measure its peak
 * memory, check that a server is still answering, that a database is intact, and that nothing partial was left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, type ServerProcess } from './server-process.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the CLI process in MiB (from GNU time), or NaN where it could not be read. */
  maxRssMb: number;
  wallMs: number;
  /** True when the run was killed for outlasting its limit. */
  timedOut: boolean;
}

export interface CliOptions {
  dataDir?: string;
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Kill the run after this long (default 60 s). */
  timeoutMs?: number;
  cwd?: string;
}

/** Run `timbre ARGS` as a real process under /usr/bin/time, killing it after the time limit. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'timbre-cli-run-'));
  const timeFile = path.join(tmp, 'time.txt');
  const cliArgs = [
    path.join(ROOT, 'bin', 'timbre.mjs'),
    ...(opts.dataDir ? ['--data-dir', opts.dataDir] : []),
    ...args,
  ];
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...cliArgs], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // the CLI may exit before reading all of its input
  child.stdin.end(opts.input ?? '');
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL'); // the whole group: time and the node process under it
    } catch {
      /* already gone */
    }
  }, opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      let maxRssMb = Number.NaN;
      try {
        const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) maxRssMb = kb / 1024;
      } catch {
        /* killed before time wrote it */
      }
      rmSync(tmp, { recursive: true, force: true });
      // GNU time prints "Command exited with non-zero status N" into its -o file, not the exit code: use the child's.
      resolve({ code, stdout, stderr, maxRssMb, wallMs: Date.now() - started, timedOut });
    });
  });
}

/** The server process is running and answers a good call. */
export async function expectServerAlive(server: ServerProcess): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null)
    throw new Error(`the server exited (${server.proc.exitCode ?? server.proc.signalCode}): ${server.stderr()}`);
  const reply = await server.rpc<{ version: string }>('app.info', {});
  if (!reply.ok) throw new Error(`the server no longer answers app.info: ${JSON.stringify(reply)}`);
}

/** `PRAGMA integrity_check` of a Timbre data folder's database (read-only). */
export function integrityCheck(dataDir: string): string {
  const file = path.join(dataDir, 'timbre.sqlite');
  if (!existsSync(file)) return 'ok';
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) ?? 'ok';
  } finally {
    db.close();
  }
}

/** Every file under `dir` (relative paths), for before/after comparisons. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Files an interrupted atomic write would leave (`….tmp-timbre`) anywhere under `dir`. */
export function partialFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => f.endsWith('.tmp-timbre'));
}
