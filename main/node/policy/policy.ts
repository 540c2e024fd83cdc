/**
 * The managed policy file (issue #13; the schema is `Policy` in preload/contract/policy.ts). Where it is looked for:
 * Linux `/etc/timbre/policy.json`, macOS `/Library/Application Support/Timbre/policy.json`, Windows
 * `%ProgramData%\Timbre\policy.json`; `TIMBRE_POLICY_FILE` overrides the path (tests, staging). Read once per process,
 * with a size limit, and validated; a file that exists but cannot be read or does not validate throws PolicyError
 * (Timbre refuses to start rather than run without the organisation's rules). No file: no policy.
 *
 * Where a setting is fixed, the code that acts checks it here (`policyDenial`) and refuses with a message that names
 * the policy file, the same message in the UI, the CLI and the API.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Policy, type PolicyInfo } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { queryRegistryPolicy, registryToPolicy, REGISTRY_POLICY_KEY, type RegKey } from './registry.js';

/** A policy file larger than this is refused (a policy is a few hundred bytes). */
const POLICY_MAX_BYTES = 64 * 1024;

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** Where this platform's machine-wide policy file lives (before TIMBRE_POLICY_FILE). */
export function defaultPolicyPath(platform: NodeJS.Platform = process.platform, env = process.env): string {
  if (platform === 'win32') return path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'Timbre', 'policy.json');
  if (platform === 'darwin') return '/Library/Application Support/Timbre/policy.json';
  return '/etc/timbre/policy.json';
}

export function policyPath(env = process.env): string {
  return env.TIMBRE_POLICY_FILE || defaultPolicyPath();
}

/** Read and validate a policy file; null when there is none. Throws PolicyError on anything else. */
export function readPolicyFile(file: string): PolicyInfo | null {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PolicyError(`Cannot read the policy file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!st.isFile()) throw new PolicyError(`The policy file ${file} is not a regular file`);
  if (st.size > POLICY_MAX_BYTES)
    throw new PolicyError(`The policy file ${file} is larger than ${POLICY_MAX_BYTES / 1024} KiB`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`The policy file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return { source: file, policy: validatePolicy(raw, `The policy file ${file}`) };
}

/** Validate a policy object (from the file, the registry, or both merged); `what` names it in the error. */
function validatePolicy(raw: unknown, what: string): Policy {
  const r = Policy.safeParse(raw);
  if (!r.success)
    throw new PolicyError(
      `${what} is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  if (r.data.dataDir !== undefined && !path.isAbsolute(r.data.dataDir))
    throw new PolicyError(`${what} is not valid: dataDir must be an absolute path`);
  return r.data;
}

/**
 * The policy in force: the file, and on Windows also the registry key HKLM\Software\Policies\Timbre (Group Policy,
 * Intune), whose settings win over the file's, setting by setting (`updates` and `retention` field by field). The
 * merged result is validated as one policy. `queryRegistry` is replaceable for tests (recorded `reg query` output).
 */
export function loadPolicy(
  platform: NodeJS.Platform = process.platform,
  env = process.env,
  queryRegistry: () => RegKey[] | null = () => queryRegistryPolicy(),
): PolicyInfo {
  const file = readPolicyFile(env.TIMBRE_POLICY_FILE || defaultPolicyPath(platform, env));
  if (platform !== 'win32') return file ?? { source: null, policy: {} };
  let reg: Record<string, unknown> | null;
  try {
    const keys = queryRegistry();
    reg = keys ? registryToPolicy(keys) : null;
  } catch (err) {
    throw new PolicyError(`The registry policy ${REGISTRY_POLICY_KEY} cannot be used: ${(err as Error).message}`);
  }
  if (!reg) return file ?? { source: null, policy: {} };
  const base: Record<string, unknown> = { ...(file?.policy ?? {}) };
  const merged: Record<string, unknown> = { ...base, ...reg };
  for (const nested of ['updates', 'retention'])
    if (base[nested] && reg[nested]) merged[nested] = { ...(base[nested] as object), ...(reg[nested] as object) };
  const source = file ? `${REGISTRY_POLICY_KEY} and ${file.source}` : REGISTRY_POLICY_KEY;
  return { source, policy: validatePolicy(merged, `The managed policy (${source})`) };
}

let cached: PolicyInfo | undefined;

/** The policy in force for this process (read once). */
export function currentPolicy(): PolicyInfo {
  cached ??= loadPolicy();
  return cached;
}

/** Tests that change TIMBRE_POLICY_FILE in-process read it again. */
export function resetPolicyCache(): void {
  cached = undefined;
}

/** The refusal for an action the policy forbids: FORBIDDEN, naming the policy file. */
export function policyDenied(what: string, info: PolicyInfo = currentPolicy()): ApiError {
  return new ApiError('FORBIDDEN', `${what}: set by your organization (policy ${info.source ?? 'file'}).`, {
    policy: true,
  });
}

/** The model-pack rules of the policy, as PackManager options. */
export function packPolicy(info: PolicyInfo = currentPolicy()): {
  downloadsRefused?: string;
  allowPack?: (m: { id: string; files: readonly { sha256: string }[] }) => string | null;
  mirrorUrl?: string;
} {
  const p = info.policy;
  const where = `set by your organization (policy ${info.source ?? 'file'})`;
  return {
    downloadsRefused:
      p.modelDownloads === false
        ? `Model downloads are turned off: ${where}. Import a pack from a file your organization provides instead (timbre models import PATH).`
        : undefined,
    allowPack: p.allowedPacks
      ? (m) => {
          const rule = p.allowedPacks!.find((a) => a.id === m.id);
          if (!rule)
            return `The model pack "${m.id}" is not allowed: ${where}. Allowed: ${p.allowedPacks!.map((a) => a.id).join(', ') || 'none'}.`;
          if (rule.sha256 && !m.files.every((f) => rule.sha256!.includes(f.sha256)))
            return `This version of the model pack "${m.id}" is not allowed (its files' sha256 are not on the list): ${where}.`;
          return null;
        }
      : undefined,
    mirrorUrl: p.packMirrorUrl,
  };
}
