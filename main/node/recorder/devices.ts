/**
 * Finding the capture programs and listing input devices. On Linux, PulseAudio (or PipeWire's pulse server) is asked
 * first with `pactl list short sources`; without a running pulse server the ALSA cards come from `arecord -l`.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants as fsc } from 'node:fs';
import path from 'node:path';

export type AudioBackend = 'pulse' | 'alsa';

export interface InputDevice {
  /** What to pass as `device` to Recorder.start / `timbre record --device`. */
  id: string;
  /** Human-readable name. */
  description: string;
  backend: AudioBackend;
  /** PulseAudio's default source (the one used when no device is given). */
  isDefault: boolean;
  /** A PulseAudio monitor source: what an output plays, not a microphone. */
  isMonitor: boolean;
}

/** Full path of an executable on PATH (with Windows extensions), or null. */
export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = path.join(dir, name + ext);
      try {
        accessSync(p, fsc.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function run(cmd: string, args: string[], timeoutMs = 3000): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (err, so, se) =>
      resolve({ ok: !err, stdout: so, stderr: se }),
    );
  });
}

/** True when a PulseAudio-compatible server answers `pactl info`. */
export async function pulseAvailable(): Promise<boolean> {
  if (process.platform !== 'linux' || !findOnPath('pactl')) return false;
  return (await run('pactl', ['info'])).ok;
}

/** Parse `pactl list short sources` (index, name, driver, sample spec, state; tab-separated). */
export function parsePactlSources(stdout: string, defaultSource: string | null): InputDevice[] {
  const out: InputDevice[] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.split('\t');
    if (cols.length < 2 || !cols[1]) continue;
    const name = cols[1];
    const isMonitor = name.endsWith('.monitor');
    out.push({
      id: name,
      description: `${isMonitor ? 'Monitor of ' + name.slice(0, -'.monitor'.length) : name}${cols[3] ? ` (${cols[3]})` : ''}`,
      backend: 'pulse',
      isDefault: name === defaultSource,
      isMonitor,
    });
  }
  return out;
}

/** Parse `arecord -l`: "card 1: Mic [USB Mic], device 0: USB Audio [USB Audio]" → plughw:CARD=Mic,DEV=0. */
export function parseArecordList(stdout: string): InputDevice[] {
  const out: InputDevice[] = [];
  const re = /^card (\d+): (\S+) \[([^\]]*)\], device (\d+): [^[]*\[([^\]]*)\]/gm;
  for (const m of stdout.matchAll(re)) {
    out.push({
      // plughw converts rate and channels for us; the card's id is stable across reboots, its index is not.
      id: `plughw:CARD=${m[2]},DEV=${m[4]}`,
      description: `${m[3]}: ${m[5]}`,
      backend: 'alsa',
      isDefault: false,
      isMonitor: false,
    });
  }
  return out;
}

/**
 * List capture devices: PulseAudio sources when a pulse server runs, else ALSA capture devices from `arecord -l`.
 * Returns [] when neither is available (no pulse server and no alsa-utils, or not Linux).
 */
export async function listInputDevices(): Promise<InputDevice[]> {
  if (await pulseAvailable()) {
    const [info, list] = await Promise.all([run('pactl', ['info']), run('pactl', ['list', 'short', 'sources'])]);
    if (list.ok) {
      const def = /^Default Source: (.+)$/m.exec(info.stdout)?.[1]?.trim() ?? null;
      return parsePactlSources(list.stdout, def === '(null)' ? null : def);
    }
  }
  if (findOnPath('arecord')) {
    const r = await run('arecord', ['-l']);
    return parseArecordList(r.stdout);
  }
  return [];
}
