/**
 * Fuzz targets for the `.timbrevoice` reader (main/node/voices/voice-file.ts), always opened with the right
 * passphrase so that damage past the key check is reached:
 *
 * - real files written by sealVoiceFile, then damaged;
 * - random headers (magic kept or not, any version and key-derivation parameters, random salt/nonce/body);
 * - files sealed correctly (by the documented format, with the cheapest parameters the reader accepts) around hostile
 *   manifests: what someone who shares a file and its passphrase can make the importer read.
 */
import { createCipheriv, createHash, createHmac, randomBytes, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  openVoiceFile,
  sealVoiceFile,
  VOICE_FILE_MAGIC,
  VOICE_FILE_SCRYPT,
} from '../../main/node/voices/voice-file.js';
import { ApiError } from '../../native-models/common/errors.js';
import {
  applyEdits,
  assertSpecificError,
  attemptAsync,
  byteEdits,
  withinTimeAsync,
  type FuzzTarget,
} from './harness.js';

const PASSPHRASE = 'correct horse battery staple';
const REASONS = new Set([
  'not-a-voice-file',
  'unsupported-version',
  'unsupported-kdf',
  'tampered',
  'wrong-passphrase',
  'too-large',
]);

/** The most memory the key derivation may take for any file: what Timbre itself writes (scrypt: 128·N·r bytes). */
const OWN_KDF_BYTES = 128 * 2 ** VOICE_FILE_SCRYPT.log2N * VOICE_FILE_SCRYPT.r * VOICE_FILE_SCRYPT.p;

async function checkOpen(data: Buffer, boundMs: number): Promise<void> {
  const r = await withinTimeAsync(boundMs, () => attemptAsync(() => openVoiceFile(data, PASSPHRASE)));
  if (r.ok) {
    // Every file handed on has exactly the length and checksum its manifest declares.
    const { manifest, files } = r.value;
    for (const f of manifest.files) {
      const bytes = files.get(f.name);
      expect(bytes, `file ${String(f.name)}`).toBeInstanceOf(Buffer);
      expect(Number.isSafeInteger(f.length) && f.length >= 0 && bytes!.length === f.length, `length ${f.length}`).toBe(
        true,
      );
      expect(createHash('sha256').update(bytes!).digest('hex')).toBe(f.sha256);
    }
    return;
  }
  assertSpecificError(r.error, ApiError);
  const e = r.error as ApiError;
  expect(e.code).toBe('INVALID_INPUT');
  const reason = (e.details as { voiceFileError?: string } | undefined)?.voiceFileError;
  expect(REASONS.has(reason ?? ''), `voiceFileError ${reason}: ${e.message}`).toBe(true);
}

/** A voice file in the documented layout, sealed with the given key parameters, around any plaintext. */
function sealRaw(plain: Buffer, params: { log2N: number; r: number; p: number }): Buffer {
  const salt = randomBytes(16);
  const N = 2 ** params.log2N;
  const key = scryptSync(PASSPHRASE.normalize('NFC'), salt, 32, {
    N,
    r: params.r,
    p: params.p,
    maxmem: 256 * N * params.r + 1024 * 1024,
  });
  const check = createHmac('sha256', key).update('timbre-voice key check').digest().subarray(0, 16);
  const nonce = randomBytes(12);
  const header = Buffer.concat([
    VOICE_FILE_MAGIC,
    Buffer.from([1, params.log2N, params.r, params.p]),
    salt,
    check,
    nonce,
  ]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(header);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** The cheapest key parameters the reader accepts (found once by asking it), so hostile manifests cost little. */
let cheap: { log2N: number; r: number; p: number } | undefined;
async function cheapParams(): Promise<{ log2N: number; r: number; p: number }> {
  if (cheap) return cheap;
  for (const [log2N, r] of [10, 12, 14, 15, 16, VOICE_FILE_SCRYPT.log2N].flatMap((n) => [
    [n, 1],
    [n, VOICE_FILE_SCRYPT.r],
  ])) {
    const candidate = { log2N, r, p: 1 };
    const file = sealRaw(plainOf(Buffer.from('{}'), []), candidate);
    const out = await attemptAsync(() => openVoiceFile(file, PASSPHRASE));
    // Accepted parameters get as far as the manifest check ("not a voice manifest").
    if (!out.ok && out.error instanceof ApiError && /not a voice manifest/.test(out.error.message))
      return (cheap = candidate);
  }
  return (cheap = { ...VOICE_FILE_SCRYPT });
}

function plainOf(manifest: Buffer, files: Buffer[]): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(manifest.length);
  return Buffer.concat([len, manifest, ...files]);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const EMPTY_SHA = sha(Buffer.alloc(0));

/** Manifests as a hostile exporter could write them: wrong types, lying lengths, prototype keys, deep nesting. */
const hostileManifest = fc
  .tuple(
    fc.array(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      { maxLength: 4 },
    ),
    fc.array(
      fc.oneof(
        fc.record({
          name: fc.oneof(
            fc.constantFrom('sample-1.wav', '__proto__', 'constructor', '../x', ''),
            fc.string({ maxLength: 8 }),
          ),
          length: fc.oneof(fc.constantFrom(-1, -5, 0, 1.5, 1e300, 2 ** 53, 0xffffffff), fc.nat(80)),
          sha256: fc.oneof(fc.constant(EMPTY_SHA), fc.string({ maxLength: 64 })),
        }),
        fc.constantFrom(null, 0, 'x', [], {}),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      { maxLength: 4 },
    ),
    fc.boolean(),
    fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 })),
  )
  .map(([files, extra, honest, other]) => {
    // Honest entries for the real files first (sometimes), then the hostile ones.
    const entries: unknown[] = honest ? files.map((b, i) => ({ name: `f${i}`, length: b.length, sha256: sha(b) })) : [];
    entries.push(...extra);
    const base = {
      format: 'timbre-voice',
      version: 1,
      exportedAt: '',
      voice: {},
      samples: [],
      consent: null,
      files: entries,
    };
    return { manifest: other === undefined ? base : other, files };
  });

export interface VoiceFileGroup {
  targets: FuzzTarget[];
  setup(): Promise<void>;
}

export function voiceFileGroup(): VoiceFileGroup {
  const manifest = {
    format: 'timbre-voice' as const,
    version: 1 as const,
    exportedAt: new Date(0).toISOString(),
    voice: { name: 'Fuzz', language: 'en', tags: [], createdAt: new Date(0).toISOString() },
    samples: [{ file: 'sample-1.wav', seconds: 1, sampleRate: 16000, sha256: sha(Buffer.alloc(64, 1)) }],
    consent: null,
  };
  const files = [{ name: 'sample-1.wav', bytes: Buffer.alloc(64, 1) }];
  // The real writer's file (its key derivation costs seconds on a busy machine, so it is made once), and the same
  // content sealed with the cheapest parameters the reader accepts, so that damage to it can be tried many times.
  let real: Buffer | undefined;
  let cheapFile: Buffer | undefined;
  const damaged = (file: () => Buffer) => () =>
    fc.asyncProperty(byteEdits(4), async (edits) => checkOpen(applyEdits(file(), edits), 15_000));
  return {
    async setup() {
      real = await sealVoiceFile(manifest, files, PASSPHRASE);
      const full = {
        ...manifest,
        files: files.map((f) => ({ name: f.name, length: f.bytes.length, sha256: sha(f.bytes) })),
      };
      const plain = plainOf(
        Buffer.from(JSON.stringify(full)),
        files.map((f) => f.bytes),
      );
      cheapFile = sealRaw(plain, await cheapParams());
      // Both open as they are: the damage below is all that differs.
      expect((await openVoiceFile(cheapFile, PASSPHRASE)).files.get('sample-1.wav')).toEqual(files[0].bytes);
    },
    targets: [
      {
        name: 'voice file: damaged files written by sealVoiceFile',
        ciRuns: 1,
        ciMs: 6000,
        weight: 0.3,
        property: damaged(() => real!),
      },
      {
        name: 'voice file: damaged files (same content, cheapest accepted key parameters)',
        ciRuns: 40,
        ciMs: 2000,
        property: damaged(() => cheapFile!),
      },
      {
        name: 'voice file: random headers (any version and key-derivation parameters)',
        ciRuns: 40,
        ciMs: 3000,
        weight: 0.5,
        property: () =>
          fc.asyncProperty(
            fc.boolean(),
            fc.integer({ min: 0, max: 255 }),
            fc.tuple(
              fc.integer({ min: 0, max: 255 }),
              fc.integer({ min: 0, max: 255 }),
              fc.integer({ min: 0, max: 255 }),
            ),
            fc.uint8Array({ minLength: 0, maxLength: 120 }),
            async (magic, version, [log2N, r, p], rest) => {
              const head = Buffer.from([version, log2N, r, p]);
              const data = Buffer.concat([magic ? VOICE_FILE_MAGIC : Buffer.from('TMBRVOX2'), head, rest]);
              const asked = 128 * 2 ** log2N * r * p;
              // Parameters above Timbre's own must be refused before any key is derived (that would cost `asked` bytes).
              const bound = magic && version === 1 && asked > OWN_KDF_BYTES ? 500 : 10_000;
              await checkOpen(data, bound);
            },
          ),
      },
      {
        name: 'voice file: correctly sealed files with hostile manifests',
        ciRuns: 60,
        ciMs: 3000,
        property: () =>
          fc.asyncProperty(hostileManifest, fc.integer({ min: 0, max: 6 }), async ({ manifest: m, files }, cut) => {
            const manifest = Buffer.from(JSON.stringify(m) ?? 'null', 'utf8');
            const plain = plainOf(manifest, files);
            await checkOpen(sealRaw(plain, await cheapParams()), 10_000);
            // The manifest length field lying about the manifest (sealed, so only the parser can catch it).
            const lying = Buffer.from(plain);
            lying.writeUInt32LE(Math.max(0, manifest.length - cut), 0);
            await checkOpen(sealRaw(lying, await cheapParams()), 10_000);
          }),
      },
    ],
  };
}
