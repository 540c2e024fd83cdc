import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { openAtomicWriter, writeFileAtomic } from '../atomic-fs.js';
import { VaultError } from './errors.js';
import type { KeySource, KeySourceKind, KeySourceRecord, RecordedKeySource } from './key-sources.js';

/**
 * Encrypted file layout (all voice data at rest: samples, consent audio, voice conditioning):
 *
 *   magic "TMBRENC1" (8) | version (1) = 1 | nonce (12, random per file) | AES-256-GCM ciphertext | tag (16)
 *
 * The associated data is the 21-byte header followed by the file's logical name (e.g. "voices/<id>/sample-1"), so a
 * file moved or copied to another name, or a header that was altered, fails authentication like any other change.
 */
export const MAGIC = Buffer.from('TMBRENC1', 'ascii');
export const FORMAT_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;

export const VAULT_FILE = 'vault.json';

export interface VaultConfig extends RecordedKeySource {
  format: 'timbre-vault';
  version: 1;
  /** base64 HMAC-SHA256 under a key derived from the master key: proves a key right without decrypting a file. */
  keyCheck: string;
  createdAt: string;
}

const DECRYPT_FAILED_MESSAGE = 'cannot be decrypted: wrong key or the file was altered';

/** Read `<dataDir>/vault.json`; null when the data folder has no vault yet. */
export async function readVaultConfig(dataDir: string): Promise<VaultConfig | null> {
  const file = path.join(dataDir, VAULT_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let c: Partial<VaultConfig>;
  try {
    c = JSON.parse(text) as Partial<VaultConfig>;
  } catch {
    throw new VaultError('VAULT_CORRUPT', `${file} is not valid JSON: the vault's settings are damaged.`, { file });
  }
  if (c?.format !== 'timbre-vault')
    throw new VaultError('VAULT_CORRUPT', `${file} is not a Timbre vault file.`, { file });
  if (c.version !== 1)
    throw new VaultError('UNSUPPORTED_FORMAT', `${file} was written by a newer Timbre (vault version ${c.version}).`, {
      file,
    });
  if (c.keySource !== 'keychain' && c.keySource !== 'passphrase')
    throw new VaultError('VAULT_CORRUPT', `${file} names an unknown key source.`, { file });
  if (typeof c.keyCheck !== 'string' || Buffer.from(c.keyCheck, 'base64').length !== 32)
    throw new VaultError('VAULT_CORRUPT', `${file} has no valid key-check value.`, { file });
  if (c.keySource === 'keychain' && (typeof c.keychain?.service !== 'string' || typeof c.keychain.account !== 'string'))
    throw new VaultError('VAULT_CORRUPT', `${file} does not say which keychain entry holds the key.`, { file });
  return c as VaultConfig;
}

function subkey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `timbre-vault v1 ${purpose}`, 32));
}

function keyCheckOf(master: Buffer): Buffer {
  return createHmac('sha256', subkey(master, 'key-check')).update('timbre-vault key check').digest();
}

function header(nonce: Buffer): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION]), nonce]);
}

function aadFor(head: Buffer, name: string): Buffer {
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('the logical name (associated data) must be a non-empty string');
  return Buffer.concat([head, Buffer.from(name, 'utf8')]);
}

/** Whether bytes start like a Timbre encrypted file (magic only; says nothing about the key). */
export function looksEncrypted(data: Uint8Array): boolean {
  return data.length >= MAGIC.length && Buffer.from(data.buffer, data.byteOffset, MAGIC.length).equals(MAGIC);
}

export interface VaultOpenOptions {
  dataDir: string;
  keySource: KeySource;
}

/**
 * Encryption at rest for voice data. `Vault.open` gets the key from its source, checks it against vault.json (or
 * creates vault.json on first use); the instance then encrypts and decrypts whole files (voice files are < 50 MB).
 */
export class Vault {
  readonly #fileKey: Buffer;
  #closed = false;

  private constructor(
    readonly dataDir: string,
    readonly keySource: KeySourceKind,
    fileKey: Buffer,
  ) {
    this.#fileKey = fileKey;
  }

  static async open({ dataDir, keySource }: VaultOpenOptions): Promise<Vault> {
    const root = path.resolve(dataDir);
    const config = await readVaultConfig(root);
    if (config && config.keySource !== keySource.kind)
      throw new VaultError(
        'KEY_SOURCE_MISMATCH',
        config.keySource === 'passphrase'
          ? 'Voice data in this data folder is protected by a passphrase: enter it to continue.'
          : 'Voice data in this data folder is protected by a key in the system keychain, not by a passphrase.',
        { recorded: config.keySource, given: keySource.kind },
      );
    const { key: master, record } = await keySource.provideKey(root, config);
    try {
      const check = keyCheckOf(master);
      if (config) {
        if (!timingSafeEqual(check, Buffer.from(config.keyCheck, 'base64')))
          throw config.keySource === 'passphrase'
            ? new VaultError('WRONG_PASSPHRASE', 'Wrong passphrase: the voice data was not unlocked.')
            : new VaultError(
                'KEY_MISSING',
                'The key in the system keychain is not the one that encrypted this data folder, so its voice data ' +
                  'cannot be decrypted.',
                config.keychain,
              );
      } else {
        await writeVaultConfig(root, keySource.kind, record, check);
      }
      return new Vault(root, keySource.kind, subkey(master, 'file-encryption'));
    } finally {
      master.fill(0);
    }
  }

  /** Encrypt in memory: header | ciphertext | tag. */
  encrypt(plaintext: Uint8Array, aad: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const head = header(nonce);
    const cipher = createCipheriv('aes-256-gcm', this.#key(), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(head, aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  }

  /** Decrypt in memory; `where` names the data in error messages. */
  decrypt(data: Uint8Array, aad: string, where = 'The data'): Buffer {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (!looksEncrypted(buf))
      throw new VaultError('NOT_ENCRYPTED', `${where} is not a Timbre encrypted file (no TMBRENC1 header).`);
    const version = buf[MAGIC.length];
    if (version !== FORMAT_VERSION)
      throw new VaultError(
        'UNSUPPORTED_FORMAT',
        `${where} was encrypted by a newer Timbre (format version ${version}); update Timbre to open it.`,
      );
    if (buf.length < HEADER_BYTES + TAG_BYTES)
      throw new VaultError('DECRYPT_FAILED', `${where} ${DECRYPT_FAILED_MESSAGE} (it is truncated).`);
    const head = buf.subarray(0, HEADER_BYTES);
    const nonce = buf.subarray(MAGIC.length + 1, HEADER_BYTES);
    const tag = buf.subarray(buf.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key(), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(head, aad));
    decipher.setAuthTag(tag);
    const out = decipher.update(buf.subarray(HEADER_BYTES, buf.length - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      out.fill(0); // unauthenticated plaintext is never returned
      throw new VaultError('DECRYPT_FAILED', `${where} ${DECRYPT_FAILED_MESSAGE}.`, { aad });
    }
    return out;
  }

  /** Encrypt `plaintext` bound to the logical name `aad` and write it atomically (0600) to `file`. */
  async encryptToFile(file: string, plaintext: Uint8Array, aad: string): Promise<void> {
    await writeFileAtomic(file, this.encrypt(plaintext, aad));
  }

  /** Read and decrypt a file written by `encryptToFile` under the same logical name. */
  async decryptFile(file: string, aad: string): Promise<Uint8Array> {
    const data = await fsp.readFile(file);
    return this.decrypt(data, aad, `The file ${file}`);
  }

  /**
   * encryptToFile for content produced in pieces: the same file format (one AES-256-GCM message: header, ciphertext,
   * tag), written atomically. `write` encrypts and appends; `commit` adds the tag and renames the file into place;
   * `abort` removes it.
   */
  async encryptedWriter(
    file: string,
    aad: string,
  ): Promise<{ write(p: Uint8Array): Promise<void>; commit(): Promise<void>; abort(): Promise<void> }> {
    const nonce = randomBytes(NONCE_BYTES);
    const head = header(nonce);
    const cipher = createCipheriv('aes-256-gcm', this.#key(), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(head, aad));
    const out = await openAtomicWriter(file);
    await out.write(head);
    return {
      write: (p) => out.write(cipher.update(p)),
      async commit() {
        await out.write(Buffer.concat([cipher.final(), cipher.getAuthTag()]));
        await out.commit();
      },
      abort: () => out.abort(),
    };
  }

  /**
   * decryptFile for files too long to hold: the plaintext goes to `onChunk` piece by piece, and the promise resolves
   * only if the whole file authenticates. The pieces arrive before that check, so the caller must treat what it made
   * from them as unconfirmed until then (and discard it on a rejection).
   */
  async decryptFileChunks(file: string, aad: string, onChunk: (p: Buffer) => Promise<void> | void): Promise<void> {
    const where = `The file ${file}`;
    const fh = await fsp.open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const head = Buffer.alloc(HEADER_BYTES);
      const got = (await fh.read(head, 0, HEADER_BYTES, 0)).bytesRead;
      if (got < MAGIC.length || !looksEncrypted(head.subarray(0, got)))
        throw new VaultError('NOT_ENCRYPTED', `${where} is not a Timbre encrypted file (no TMBRENC1 header).`);
      if (head[MAGIC.length] !== FORMAT_VERSION)
        throw new VaultError(
          'UNSUPPORTED_FORMAT',
          `${where} was encrypted by a newer Timbre (format version ${head[MAGIC.length]}); update Timbre to open it.`,
        );
      if (size < HEADER_BYTES + TAG_BYTES)
        throw new VaultError('DECRYPT_FAILED', `${where} ${DECRYPT_FAILED_MESSAGE} (it is truncated).`);
      const tag = Buffer.alloc(TAG_BYTES);
      await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.#key(), head.subarray(MAGIC.length + 1), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aadFor(head, aad));
      decipher.setAuthTag(tag);
      const buf = Buffer.alloc(1 << 20);
      for (let pos = HEADER_BYTES; pos < size - TAG_BYTES;) {
        const n = (await fh.read(buf, 0, Math.min(buf.length, size - TAG_BYTES - pos), pos)).bytesRead;
        if (n <= 0) throw new VaultError('DECRYPT_FAILED', `${where} ${DECRYPT_FAILED_MESSAGE} (it is truncated).`);
        pos += n;
        await onChunk(decipher.update(buf.subarray(0, n)));
      }
      try {
        decipher.final();
      } catch {
        throw new VaultError('DECRYPT_FAILED', `${where} ${DECRYPT_FAILED_MESSAGE}.`, { aad });
      }
    } finally {
      await fh.close();
    }
  }

  /** Forget the key (best effort: zeroes this instance's copy). The instance cannot be used afterwards. */
  close(): void {
    this.#fileKey.fill(0);
    this.#closed = true;
  }

  #key(): Buffer {
    if (this.#closed) throw new Error('the vault is closed');
    return this.#fileKey;
  }
}

async function writeVaultConfig(
  root: string,
  kind: KeySourceKind,
  record: KeySourceRecord,
  check: Buffer,
): Promise<void> {
  const config: VaultConfig = {
    format: 'timbre-vault',
    version: 1,
    keySource: kind,
    ...record,
    keyCheck: check.toString('base64'),
    createdAt: new Date().toISOString(),
  };
  await writeFileAtomic(path.join(root, VAULT_FILE), JSON.stringify(config, null, 2) + '\n');
}
