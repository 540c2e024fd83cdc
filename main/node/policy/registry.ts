/**
 * The managed policy from the Windows registry (`HKLM\Software\Policies\Timbre`, where Group Policy and Intune put
 * machine policies), read with the system's own `reg query … /s` and parsed here; no native module. Values map onto
 * the same `Policy` schema as policy.json (docs/policy.md "Windows registry"):
 *
 *   HKLM\Software\Policies\Timbre            modelDownloads, cloningRequiresVerifiedConsent, voiceExport, localApi,
 *                                            remoteApi (REG_DWORD 0/1); packMirrorUrl, dataDir (REG_SZ);
 *                                            allowedPacks (REG_MULTI_SZ, one pack a line: `id` or `id sha256 sha256…`)
 *   HKLM\Software\Policies\Timbre\updates    enabled (REG_DWORD 0/1), channel, feedUrl (REG_SZ)
 *   HKLM\Software\Policies\Timbre\retention  stagedUploadsHours, exportsDays, inactiveTakesDays (REG_DWORD)
 *
 * A value of the wrong type, or a value or key Timbre does not know, is refused by name (fail closed, as for the
 * file). The result is validated with the same zod schema by policy.ts.
 */
import { execFileSync } from 'node:child_process';

export const REGISTRY_POLICY_KEY = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre';
/** `reg query` output larger than this is refused (a policy is a few hundred bytes). */
const REG_OUTPUT_MAX_BYTES = 64 * 1024;

export interface RegValue {
  name: string;
  type: string;
  data: string;
}

export interface RegKey {
  /** The full key path as `reg query` prints it. */
  path: string;
  values: RegValue[];
}

export class RegistryPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryPolicyError';
  }
}

/**
 * Parse `reg query <key> /s` output: a key path at the start of a line, then its values indented by four spaces as
 * `name    TYPE    data` (the separator is four spaces; the default value's name is `(Default)`).
 */
export function parseRegQuery(text: string): RegKey[] {
  const keys: RegKey[] = [];
  let current: RegKey | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim()) continue;
    if (/^HKEY_/i.test(raw)) {
      current = { path: raw.trim(), values: [] };
      keys.push(current);
      continue;
    }
    const m = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(raw);
    if (!m || !current) {
      if (/^ERROR:|^End of search/i.test(raw.trim())) continue;
      throw new RegistryPolicyError(`Cannot read this line of the registry policy: ${raw.trim().slice(0, 200)}`);
    }
    current.values.push({ name: m[1]!, type: m[2]!, data: m[3] ?? '' });
  }
  return keys;
}

const BOOLEANS = ['modelDownloads', 'cloningRequiresVerifiedConsent', 'voiceExport', 'localApi', 'remoteApi'];
const STRINGS = ['packMirrorUrl', 'dataDir'];
const SUBKEYS: Record<string, { booleans: string[]; strings: string[]; numbers: string[] }> = {
  updates: { booleans: ['enabled'], strings: ['channel', 'feedUrl'], numbers: [] },
  retention: { booleans: [], strings: [], numbers: ['stagedUploadsHours', 'exportsDays', 'inactiveTakesDays'] },
};

function dword(v: RegValue, where: string): number {
  if (v.type !== 'REG_DWORD') throw new RegistryPolicyError(`${where}\\${v.name} must be a REG_DWORD, not ${v.type}`);
  const n = Number.parseInt(v.data, v.data.toLowerCase().startsWith('0x') ? 16 : 10);
  if (!Number.isFinite(n)) throw new RegistryPolicyError(`${where}\\${v.name} is not a number: ${v.data}`);
  return n;
}

function bool(v: RegValue, where: string): boolean {
  const n = dword(v, where);
  if (n !== 0 && n !== 1) throw new RegistryPolicyError(`${where}\\${v.name} must be 0 or 1, not ${n}`);
  return n === 1;
}

function str(v: RegValue, where: string): string {
  if (v.type !== 'REG_SZ') throw new RegistryPolicyError(`${where}\\${v.name} must be a REG_SZ, not ${v.type}`);
  return v.data;
}

/** The policy object the registry key describes (not yet validated), or null when the key does not exist. */
export function registryToPolicy(keys: RegKey[], root = REGISTRY_POLICY_KEY): Record<string, unknown> | null {
  const rootLower = root.toLowerCase();
  const mine = keys.filter(
    (k) => k.path.toLowerCase() === rootLower || k.path.toLowerCase().startsWith(`${rootLower}\\`),
  );
  if (!mine.length) return null;
  const policy: Record<string, unknown> = {};
  for (const key of mine) {
    const sub = key.path.slice(root.length + 1);
    const where = key.path;
    if (!sub) {
      for (const v of key.values) {
        if (v.name === '(Default)') continue;
        if (BOOLEANS.includes(v.name)) policy[v.name] = bool(v, where);
        else if (STRINGS.includes(v.name)) policy[v.name] = str(v, where);
        else if (v.name === 'allowedPacks') {
          if (v.type !== 'REG_MULTI_SZ')
            throw new RegistryPolicyError(`${where}\\allowedPacks must be a REG_MULTI_SZ, not ${v.type}`);
          policy.allowedPacks = v.data
            .split('\\0')
            .map((line) => line.trim())
            .filter(Boolean)
            .map((line) => {
              const [id, ...sha256] = line.split(/\s+/);
              return sha256.length ? { id, sha256 } : { id };
            });
        } else throw new RegistryPolicyError(`${where}\\${v.name} is not a Timbre policy setting`);
      }
      continue;
    }
    const spec = SUBKEYS[sub];
    if (!spec) throw new RegistryPolicyError(`${where} is not a Timbre policy key`);
    const obj: Record<string, unknown> = {};
    for (const v of key.values) {
      if (v.name === '(Default)') continue;
      if (spec.booleans.includes(v.name)) obj[v.name] = bool(v, where);
      else if (spec.strings.includes(v.name)) obj[v.name] = str(v, where);
      else if (spec.numbers.includes(v.name)) obj[v.name] = dword(v, where);
      else throw new RegistryPolicyError(`${where}\\${v.name} is not a Timbre policy setting`);
    }
    policy[sub] = obj;
  }
  return policy;
}

/**
 * Run `reg query HKLM\Software\Policies\Timbre /s` (Windows only). Null when the key does not exist (reg exits 1).
 * `run` is replaceable for tests; it returns the exit status and stdout.
 */
export function queryRegistryPolicy(
  run: (args: string[]) => { status: number | null; stdout: string } = defaultRun,
): RegKey[] | null {
  const r = run(['query', REGISTRY_POLICY_KEY, '/s']);
  if (r.status === 1) return null;
  if (r.status !== 0) throw new RegistryPolicyError(`reg query ${REGISTRY_POLICY_KEY} failed (exit ${r.status})`);
  if (Buffer.byteLength(r.stdout) > REG_OUTPUT_MAX_BYTES)
    throw new RegistryPolicyError(`The registry policy under ${REGISTRY_POLICY_KEY} is larger than 64 KiB`);
  return parseRegQuery(r.stdout);
}

function defaultRun(args: string[]): { status: number | null; stdout: string } {
  try {
    const stdout = execFileSync('reg.exe', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: REG_OUTPUT_MAX_BYTES * 2,
      windowsHide: true,
    });
    return { status: 0, stdout };
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string };
    return { status: e.status ?? null, stdout: e.stdout ?? '' };
  }
}
