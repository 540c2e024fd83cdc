/**
 * The portable voice file, `.timbrevoice`: one voice (manifest, samples, consent record and statement audio) sealed
 * with a key derived from a passphrase, so it can be moved to another computer and nothing in it can be read or
 * changed without the passphrase.
 *
 * Layout (all integers little-endian):
 *
 *   magic "TMBRVOX1" (8) | version u8 = 1 | log2(N) u8 | r u8 | p u8 | salt (16) | key check (16) | nonce (12)
 *   | AES-256-GCM ciphertext | tag (16)
 *
 * key = scrypt(NFC(passphrase), salt, N, r, p, 32 bytes); key check = first 16 bytes of
 * HMAC-SHA256(key, "timbre-voice key check") (tells a wrong passphrase from a damaged file); the whole 56-byte header is
 * the GCM associated data, so no header byte can change unnoticed either. Plaintext:
 *
 *   u32 manifest length | manifest (JSON, UTF-8) | the files' bytes, back to back, in manifest.files order
 *
 * Each file in the manifest carries its length and sha256 (checked again after decryption). Voice conditioning is
 * not exported: it belongs to an engine version, so the importing Timbre clones the voice again with its own engines.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { ApiError } from '../../../native-models/common/errors.js';
import { formatBytes, readInputFile } from '../../../native-models/common/safe-fs.js';

export const VOICE_FILE_MAGIC = Buffer.from('TMBRVOX1', 'ascii');
export const VOICE_FILE_VERSION = 1;
export const VOICE_FILE_EXTENSION = '.timbrevoice';
/** scrypt N = 2^17, r = 8, p = 1 (128 MiB): OWASP's floor, about 0.3–1 s. */
export const VOICE_FILE_SCRYPT = { log2N: 17, r: 8, p: 1 } as const;
/**
 * The largest voice file Timbre reads (and writes): ten samples of several minutes each plus the consent recording
 * fit many times over, and reading it (then decrypting it: two copies) stays far below 1 GB of memory.
 */
export const VOICE_FILE_MAX_BYTES = 256 * 1024 * 1024;
/**
 * The scrypt settings accepted when opening a voice file: what Timbre writes (VOICE_FILE_SCRYPT) and cheaper ones down
 * to N=2^14. At most 128·2^17·8 bytes = 128 MiB of memory per attempt, whatever the header says.
 */
export const VOICE_FILE_KDF_BOUNDS = { log2NMin: 14, log2NMax: VOICE_FILE_SCRYPT.log2N, r: 8, p: 1 } as const;
/** The manifest (names, checksums, consent record) is small: a declared length over this is refused. */
export const VOICE_FILE_MANIFEST_MAX_BYTES = 1024 * 1024;
/** Files in one voice file: ten samples and the consent statement, with room to spare. */
export const VOICE_FILE_ENTRIES_MAX = 32;
const HEADER_BYTES = 8 + 4 + 16 + 16 + 12;
const TAG_BYTES = 16;

export interface VoiceFileEntry {
  name: string;
  length: number;
  sha256: string;
}

export interface VoiceFileManifest {
  format: 'timbre-voice';
  version: 1;
  exportedAt: string;
  voice: { name: string; language: string; tags: string[]; createdAt: string };
  samples: { file: string; seconds: number; sampleRate: number; sha256: string; addedAt?: string }[];
  consent: {
    status: 'attested' | 'verified' | 'failed';
    method: 'attestation' | 'statement';
    name: string;
    purpose: string;
    at: string;
    audioSha256: string;
    statement?: string;
    words?: string[];
    statementAudioSha256?: string;
    checks?: unknown[];
    /** The statement recording's file in this voice file. */
    statementFile?: string;
  } | null;
  files: VoiceFileEntry[];
}

function badFile(message: string, reason: string): ApiError {
  return new ApiError('INVALID_INPUT', message, { voiceFileError: reason });
}

function deriveKey(passphrase: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** log2N;
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const keyCheck = (key: Buffer) => createHmac('sha256', key).update('timbre-voice key check').digest().subarray(0, 16);

export async function sealVoiceFile(
  manifest: Omit<VoiceFileManifest, 'files'>,
  files: { name: string; bytes: Buffer }[],
  passphrase: string,
): Promise<Buffer> {
  const full: VoiceFileManifest = {
    ...manifest,
    files: files.map((f) => ({
      name: f.name,
      length: f.bytes.length,
      sha256: createHash('sha256').update(f.bytes).digest('hex'),
    })),
  };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const plain = Buffer.concat([len, json, ...files.map((f) => f.bytes)]);
  const salt = randomBytes(16);
  const { log2N, r, p } = VOICE_FILE_SCRYPT;
  const key = await deriveKey(passphrase, salt, log2N, r, p);
  try {
    const nonce = randomBytes(12);
    const header = Buffer.concat([
      VOICE_FILE_MAGIC,
      Buffer.from([VOICE_FILE_VERSION, log2N, r, p]),
      salt,
      keyCheck(key),
      nonce,
    ]);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    plain.fill(0);
    return Buffer.concat([header, body, cipher.getAuthTag()]);
  } finally {
    key.fill(0);
  }
}

/** Read a `.timbrevoice` file from a path: a regular file of at most VOICE_FILE_MAX_BYTES (see safe-fs.ts). */
export function readVoiceFileFrom(file: string, what: string): Promise<Buffer> {
  return readInputFile(file, {
    what,
    maxBytes: VOICE_FILE_MAX_BYTES,
    tooLarge: (size) =>
      `${what} ${file} is too large to be a Timbre voice file (${formatBytes(size)}; at most ${formatBytes(VOICE_FILE_MAX_BYTES)}): nothing was imported.`,
  });
}

export async function openVoiceFile(
  data: Buffer,
  passphrase: string,
  where = 'The voice file',
): Promise<{ manifest: VoiceFileManifest; files: Map<string, Buffer> }> {
  if (data.length < VOICE_FILE_MAGIC.length || !data.subarray(0, 8).equals(VOICE_FILE_MAGIC))
    throw badFile(`${where} is not a Timbre voice file (.timbrevoice).`, 'not-a-voice-file');
  const version = data[8];
  if (version !== VOICE_FILE_VERSION)
    throw badFile(
      `${where} was made by a newer Timbre (voice file version ${version}): update Timbre to import it.`,
      'unsupported-version',
    );
  if (data.length < HEADER_BYTES + TAG_BYTES)
    throw badFile(`${where} is damaged (truncated) and was not imported.`, 'tampered');
  const [log2N, r, p] = [data[9], data[10], data[11]];
  // Checked before any key is derived: scrypt needs 128·N·r bytes, so a header asking for N=2^20, r=32 would cost
  // 4 GiB per attempt. Only what Timbre writes is accepted (VOICE_FILE_KDF_BOUNDS: at most 128 MiB).
  const b = VOICE_FILE_KDF_BOUNDS;
  if (log2N < b.log2NMin || log2N > b.log2NMax || r !== b.r || p !== b.p)
    throw badFile(
      `${where} asks for key-derivation settings Timbre never writes (scrypt N=2^${log2N}, r=${r}, p=${p}, about ${formatBytes(128 * 2 ** log2N * r)} of memory; Timbre uses N=2^${b.log2NMin} to 2^${b.log2NMax}, r=${b.r}, p=${b.p}): it is damaged or was altered, and was not imported.`,
      'unsupported-kdf',
    );
  const header = data.subarray(0, HEADER_BYTES);
  const salt = header.subarray(12, 28);
  const check = header.subarray(28, 44);
  const nonce = header.subarray(44, 56);
  const key = await deriveKey(passphrase, salt, log2N, r, p);
  let plain: Buffer;
  try {
    // Without the right key, a damaged key-parameter byte looks the same as a wrong passphrase: say both.
    if (!timingSafeEqual(keyCheck(key), check))
      throw badFile(
        `Wrong passphrase for ${where.replace(/^The /, 'the ')} (or its header was altered): nothing was imported.`,
        'wrong-passphrase',
      );
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(header);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const out = decipher.update(data.subarray(HEADER_BYTES, data.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      out.fill(0);
      throw badFile(
        `${where} was altered or damaged after it was exported (its authentication failed), so it was refused: ask for a fresh export.`,
        'tampered',
      );
    }
    plain = out;
  } finally {
    key.fill(0);
  }
  const damaged = (why: string) => badFile(`${where} is damaged (${why}) and was not imported.`, 'tampered');
  if (plain.length < 4) throw damaged('no manifest');
  const len = plain.readUInt32LE(0);
  if (len > VOICE_FILE_MANIFEST_MAX_BYTES)
    throw damaged(`manifest of ${len} bytes declared, at most ${VOICE_FILE_MANIFEST_MAX_BYTES}`);
  if (4 + len > plain.length) throw damaged('manifest out of bounds');
  let manifest: VoiceFileManifest;
  try {
    manifest = JSON.parse(plain.subarray(4, 4 + len).toString('utf8')) as VoiceFileManifest;
  } catch {
    throw damaged('unreadable manifest');
  }
  if (manifest?.format !== 'timbre-voice' || manifest.version !== 1 || !Array.isArray(manifest.files))
    throw damaged('not a voice manifest');
  if (manifest.files.length > VOICE_FILE_ENTRIES_MAX)
    throw damaged(`${manifest.files.length} files declared, at most ${VOICE_FILE_ENTRIES_MAX}`);
  const files = new Map<string, Buffer>();
  let off = 4 + len;
  for (const f of manifest.files) {
    if (typeof f?.name !== 'string' || typeof f.sha256 !== 'string') throw damaged('a file entry without a name');
    if (!Number.isSafeInteger(f.length) || f.length < 0 || off + f.length > plain.length)
      throw damaged(`file ${f.name} out of bounds`);
    const bytes = plain.subarray(off, off + f.length);
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256) throw damaged(`checksum of ${f.name}`);
    files.set(f.name, bytes);
    off += f.length;
  }
  return { manifest, files };
}
