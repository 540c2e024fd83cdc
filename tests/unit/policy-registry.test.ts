/**
 * The managed policy from the Windows registry (HKLM\Software\Policies\Timbre), parsed from `reg query … /s` output
 * in reg.exe's format (fixtures in tests/fixtures/reg-query/, CRLF line ends) and merged with policy.json. Not run
 * on Windows here: `reg.exe` itself is replaced by the fixtures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicy, PolicyError } from '../../main/node/policy/policy.js';
import { parseRegQuery, queryRegistryPolicy, registryToPolicy } from '../../main/node/policy/registry.js';
import { tempDir } from '../helpers/tmp.js';

const fixture = (name: string) => readFileSync(path.resolve('tests/fixtures/reg-query', name), 'utf8');
const SHA = `a${'0'.repeat(63)}`;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A policy file in a temp folder, as TIMBRE_POLICY_FILE. */
function policyFile(content: object): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const file = path.join(t.dir, 'policy.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('registry policy', () => {
  it('parses reg query output into keys and values', () => {
    const keys = parseRegQuery(fixture('full.txt'));
    expect(keys.map((k) => k.path)).toEqual([
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\\retention',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\\updates',
    ]);
    expect(keys[0]!.values[3]).toEqual({
      name: 'allowedPacks',
      type: 'REG_MULTI_SZ',
      data: `silero-vad\\0gtcrn ${SHA}`,
    });
    expect(registryToPolicy(keys)).toEqual({
      modelDownloads: false,
      remoteApi: false,
      packMirrorUrl: 'https://models.example.internal/timbre/',
      allowedPacks: [{ id: 'silero-vad' }, { id: 'gtcrn', sha256: [SHA] }],
      retention: { stagedUploadsHours: 12, exportsDays: 30 },
      updates: { enabled: true, channel: 'beta' },
    });
  });

  it('on Windows the registry wins over policy.json setting by setting; the source names both', () => {
    const file = policyFile({
      modelDownloads: true,
      voiceExport: false,
      updates: { enabled: true, channel: 'stable', feedUrl: 'https://updates.example.internal/timbre/' },
    });
    const info = loadPolicy('win32', { TIMBRE_POLICY_FILE: file }, () => parseRegQuery(fixture('full.txt')));
    expect(info.source).toBe(`HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre and ${file}`);
    expect(info.policy).toMatchObject({
      modelDownloads: false, // registry
      voiceExport: false, // file only
      updates: { enabled: true, channel: 'beta', feedUrl: 'https://updates.example.internal/timbre/' },
      retention: { stagedUploadsHours: 12, exportsDays: 30 },
    });
    // No key: the file alone; neither: no policy.
    expect(loadPolicy('win32', { TIMBRE_POLICY_FILE: file }, () => null)).toMatchObject({ source: file });
    expect(loadPolicy('win32', { TIMBRE_POLICY_FILE: `${file}.none` }, () => null)).toEqual({
      source: null,
      policy: {},
    });
    // Only the registry.
    expect(
      loadPolicy('win32', { TIMBRE_POLICY_FILE: `${file}.none` }, () => parseRegQuery(fixture('full.txt'))).source,
    ).toBe('HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre');
  });

  it('refuses, by name, a value of the wrong type, an unknown setting, or a merged policy that does not validate', () => {
    const load = (name: string) => () =>
      loadPolicy('win32', { TIMBRE_POLICY_FILE: '/nonexistent/policy.json' }, () => parseRegQuery(fixture(name)));
    expect(load('wrong-type.txt')).toThrow(PolicyError);
    expect(load('wrong-type.txt')).toThrow(
      'The registry policy HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre cannot be used: HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\\modelDownloads must be a REG_DWORD, not REG_SZ',
    );
    expect(load('unknown-value.txt')).toThrow(/Timbre\\telemetry is not a Timbre policy setting/);
    expect(load('bad-channel.txt')).toThrow(
      /The managed policy \(HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\) is not valid: updates\.channel/,
    );
    const two = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\r\n    localApi    REG_DWORD    0x2\r\n';
    expect(() => registryToPolicy(parseRegQuery(two))).toThrow(/localApi must be 0 or 1, not 2/);
    const sub = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\\extras\r\n    a    REG_SZ    b\r\n';
    expect(() => registryToPolicy(parseRegQuery(sub))).toThrow(/Timbre\\extras is not a Timbre policy key/);
    expect(() => parseRegQuery('HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre\r\ngarbage line\r\n')).toThrow(
      /Cannot read this line of the registry policy: garbage line/,
    );
  });

  it('reg query: a missing key (exit 1) is no policy; another failure or oversized output is an error', () => {
    const calls: string[][] = [];
    expect(
      queryRegistryPolicy((args) => {
        calls.push(args);
        return { status: 1, stdout: '' };
      }),
    ).toBeNull();
    expect(calls).toEqual([['query', 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Timbre', '/s']]);
    expect(() => queryRegistryPolicy(() => ({ status: 5, stdout: '' }))).toThrow(/failed \(exit 5\)/);
    expect(() => queryRegistryPolicy(() => ({ status: 0, stdout: 'x'.repeat(70_000) }))).toThrow(/larger than 64 KiB/);
    expect(queryRegistryPolicy(() => ({ status: 0, stdout: fixture('full.txt') }))!.length).toBe(3);
  });

  it('other platforms never ask the registry', () => {
    let asked = false;
    loadPolicy('linux', { TIMBRE_POLICY_FILE: '/nonexistent/policy.json' }, () => {
      asked = true;
      return null;
    });
    expect(asked).toBe(false);
  });
});
