/**
 * A private PulseAudio daemon for recorder tests (from tests/unit/recorder.test.ts): its own runtime dir, a null sink
 * whose monitor is the input, and optionally a remapped source over that monitor that looks like a real microphone
 * (not a ".monitor"), so code that ignores monitors sees an input device. Play into the sink with `play()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function run(
  cmd: string,
  args: string[],
  env = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

export interface Pulse {
  server: string;
  child: ChildProcess;
  dir: string;
}

/** A private PulseAudio daemon (foreground child, its own runtime dir) with the given modules; a string says why not. */
export async function startPulse(modules: string[]): Promise<Pulse | string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-pulse-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    XDG_RUNTIME_DIR: dir,
    PULSE_RUNTIME_PATH: path.join(dir, 'pulse'),
  };
  delete env.PULSE_SERVER;
  const args = [
    '-n',
    '--daemonize=no',
    '--exit-idle-time=-1',
    '--disallow-exit',
    '--system=false',
    '--log-target=stderr',
  ];
  args.push('--load=module-native-protocol-unix auth-anonymous=1', ...modules.map((m) => `--load=${m}`));
  const child = spawn('pulseaudio', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d) => (log += String(d)));
  let spawnError = '';
  child.on('error', (e) => (spawnError = e.message));
  const server = `unix:${path.join(dir, 'pulse', 'native')}`;
  for (let i = 0; i < 100; i++) {
    if (spawnError || child.exitCode !== null) break;
    const r = await run('pactl', ['info'], { ...process.env, PULSE_SERVER: server });
    if (r.code === 0) return { server, child, dir };
    await sleep(100);
  }
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return `PulseAudio did not start: ${spawnError || log.slice(-500)}`;
}

export async function stopPulse(p: Pulse): Promise<void> {
  if (p.child.exitCode === null) {
    const gone = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGTERM');
    await Promise.race([gone, sleep(3000)]);
    p.child.kill('SIGKILL');
  }
  rmSync(p.dir, { recursive: true, force: true });
}

export interface VirtualMic {
  pulse: Pulse;
  /** The null sink to play into. */
  sink: string;
  /** The source to record: a remapped source over the sink's monitor (not a monitor itself). */
  source: string;
  /** Play a file into the sink (resolves when played). */
  play(file: string): Promise<{ code: number; stderr: string }>;
  /** Restore PULSE_SERVER and stop the daemon. */
  stop(): Promise<void>;
}

/**
 * A virtual microphone: PULSE_SERVER is pointed at a private daemon whose default source is `<sink>_mic`, which
 * hears whatever is played into `<sink>`. Returns a string saying why when PulseAudio cannot run here.
 */
export async function startVirtualMic(sink = 'timbre_test'): Promise<VirtualMic | string> {
  const source = `${sink}_mic`;
  const p = await startPulse([
    `module-null-sink sink_name=${sink} rate=48000 channels=1`,
    `module-remap-source source_name=${source} master=${sink}.monitor channels=1`,
  ]);
  if (typeof p === 'string') return p;
  const saved = process.env.PULSE_SERVER;
  process.env.PULSE_SERVER = p.server;
  const r = await run('pactl', ['set-default-source', source]);
  if (r.code !== 0) {
    await stopPulse(p);
    return `pactl set-default-source failed: ${r.stderr}`;
  }
  return {
    pulse: p,
    sink,
    source,
    play: (file) => run('paplay', [`--device=${sink}`, file]),
    async stop() {
      if (saved === undefined) delete process.env.PULSE_SERVER;
      else process.env.PULSE_SERVER = saved;
      await stopPulse(p);
    },
  };
}
