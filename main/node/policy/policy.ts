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
  const r = Policy.safeParse(raw);
  if (!r.success)
    throw new PolicyError(
      `The policy file ${file} is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  if (r.data.dataDir !== undefined && !path.isAbsolute(r.data.dataDir))
    throw new PolicyError(`The policy file ${file} is not valid: dataDir must be an absolute path`);
  return { source: file, policy: r.data };
}

let cached: PolicyInfo | undefined;

/** The policy in force for this process (read once). */
export function currentPolicy(): PolicyInfo {
  cached ??= readPolicyFile(policyPath()) ?? { source: null, policy: {} };
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
