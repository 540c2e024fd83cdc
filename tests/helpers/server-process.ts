import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export type RpcReply<T> = { ok: true; result: T } | { ok: false; error: { code: string; message: string } };

export interface ServerProcess {
  proc: ChildProcess;
  url: string;
  token: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  rpc<T = unknown>(
    method: string,
    params: unknown,
  ): Promise<{ ok: true; result: T } | { ok: false; error: { code: string; message: string } }>;
}

/** Start `timbre serve` as a real process and wait for the URL it prints. */
export function startServer(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<ServerProcess> {
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'timbre.mjs'), '--data-dir', dataDir, 'serve', '--port', '0', ...extraArgs],
    {
      cwd: ROOT,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Timbre studio: (http:\/\/127\.0\.0\.1:\d+)\/#token=([\w-]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const [, url, token] = m;
      resolve({
        proc,
        url,
        token,
        stderr: () => err,
        async rpc<T>(method: string, params: unknown): Promise<RpcReply<T>> {
          const res = await fetch(`${url}/api/rpc`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: JSON.stringify({ method, params }),
          });
          return (await res.json()) as RpcReply<T>;
        },
      });
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
}
