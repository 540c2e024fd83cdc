/**
 * Issue #16: `.timbrevoice` files with hostile headers. The scrypt parameters come from the file, so they are bounded
 * to what Timbre writes before any key is derived (a header asking for N=2^20, r=32, p=4 cost 4.2 GB per attempt);
 * the manifest length, the number of entries and every declared length are checked before use.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  VOICE_FILE_KDF_BOUNDS,
  VOICE_FILE_MAGIC,
  VOICE_FILE_MANIFEST_MAX_BYTES,
  openVoiceFile,
  sealVoiceFile,
} from '../../main/node/voices/voice-file.js';
import { runCli } from '../helpers/hostile.js';
import { ROOT } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

const PASS = 'a passphrase';

/** A header with the given scrypt parameters and random salt/check/nonce, then some ciphertext and a tag. */
function header(log2N: number, r: number, p: number, body = 64): Buffer {
  return Buffer.concat([VOICE_FILE_MAGIC, Buffer.from([1, log2N, r, p]), randomBytes(16 + 16 + 12 + body + 16)]);
}

/** Seal arbitrary plaintext exactly as the format says (cheap scrypt N=2^14, r=8, p=1), to craft bad manifests. */
function sealRaw(plain: Buffer): Buffer {
  const salt = randomBytes(16);
  const key = scryptSync(PASS.normalize('NFC'), salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const check = createHmac('sha256', key).update('timbre-voice key check').digest().subarray(0, 16);
  const nonce = randomBytes(12);
  const head = Buffer.concat([VOICE_FILE_MAGIC, Buffer.from([1, 14, 8, 1]), salt, check, nonce]);
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(head);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([head, body, c.getAuthTag()]);
}

function plainWith(manifest: unknown, files: Buffer[] = [], declaredLen?: number): Buffer {
  const json = Buffer.from(JSON.stringify(manifest));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(declaredLen ?? json.length);
  return Buffer.concat([len, json, ...files]);
}

const manifest = (files: unknown[]) => ({
  format: 'timbre-voice',
  version: 1,
  exportedAt: '2026-01-01T00:00:00Z',
  voice: { name: 'x', language: 'en', tags: [], createdAt: '2026-01-01T00:00:00Z' },
  samples: [],
  consent: null,
  files,
});

async function refusal(data: Buffer): Promise<{ message: string; reason: string; ms: number }> {
  const started = Date.now();
  try {
    await openVoiceFile(data, PASS);
  } catch (err) {
    const e = err as { message: string; details?: { voiceFileError?: string } };
    return { message: e.message, reason: e.details?.voiceFileError ?? '', ms: Date.now() - started };
  }
  throw new Error('expected a refusal');
}

describe('voice file key-derivation bounds', () => {
  it('refuses scrypt settings Timbre never writes before deriving anything', async () => {
    for (const [log2N, r, p] of [
      [20, 32, 4],
      [22, 8, 1],
      [18, 8, 1],
      [17, 9, 1],
      [17, 8, 2],
      [13, 8, 1],
      [17, 1, 1],
      [255, 255, 255],
    ]) {
      const e = await refusal(header(log2N, r, p));
      expect(e.reason, `${log2N},${r},${p}`).toBe('unsupported-kdf');
      expect(e.message).toMatch(
        new RegExp(`asks for key-derivation settings Timbre never writes \\(scrypt N=2\\^${log2N}, r=${r}, p=${p}`),
      );
      // Deriving even the smallest refused one (2^18 · 8 · 128 = 256 MiB) takes far longer than this.
      expect(e.ms).toBeLessThan(50);
    }
  });

  it('still opens what Timbre writes, and the accepted range is what it writes', async () => {
    expect(VOICE_FILE_KDF_BOUNDS).toEqual({ log2NMin: 14, log2NMax: 17, r: 8, p: 1 });
    const sealed = await sealVoiceFile(
      { ...manifest([]), format: 'timbre-voice', version: 1 } as never,
      [{ name: 'a.wav', bytes: Buffer.from('abc') }],
      PASS,
    );
    expect([sealed[9], sealed[10], sealed[11]]).toEqual([17, 8, 1]);
    const opened = await openVoiceFile(sealed, PASS);
    expect(opened.files.get('a.wav')?.toString()).toBe('abc');
  });

  it('a CLI import of a maximal-cost header is refused in a moment with bounded memory', async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'build/scripts/build.mjs'), '--node', '--if-stale'], {
      stdio: 'ignore',
    });
    const t = tempDir();
    try {
      const f = path.join(t.dir, 'max-cost.timbrevoice');
      writeFileSync(f, header(20, 32, 4, 4096));
      const run = await runCli(['voices', 'import', f], {
        dataDir: path.join(t.dir, 'data'),
        env: { TIMBRE_VOICE_PASSPHRASE: PASS },
        timeoutMs: 30_000,
      });
      expect(run.timedOut).toBe(false);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/key-derivation settings Timbre never writes/);
      expect(run.maxRssMb).toBeLessThan(300);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});

describe('voice file declared lengths', () => {
  it('refuses a manifest length over the limit, out of bounds, or lying entries', async () => {
    const big = await refusal(sealRaw(plainWith(manifest([]), [], VOICE_FILE_MANIFEST_MAX_BYTES + 1)));
    expect(big.message).toMatch(/manifest of 1048577 bytes declared, at most 1048576/);
    const out = await refusal(sealRaw(plainWith(manifest([]), [], 0xfffff)));
    expect(out.message).toMatch(/manifest out of bounds/);
    const sha = createHash('sha256').update('abc').digest('hex');
    for (const length of [-1, 1.5, 4, 1e300, '3']) {
      const e = await refusal(
        sealRaw(plainWith(manifest([{ name: 'a.wav', length, sha256: sha }]), [Buffer.from('abc')])),
      );
      expect(e.message, String(length)).toMatch(/file a\.wav out of bounds/);
    }
    const many = Array.from({ length: 33 }, (_, i) => ({ name: `f${i}`, length: 0, sha256: sha }));
    expect((await refusal(sealRaw(plainWith(manifest(many))))).message).toMatch(/33 files declared, at most 32/);
    expect((await refusal(sealRaw(plainWith(manifest([null]))))).message).toMatch(/a file entry without a name/);
  });
});
