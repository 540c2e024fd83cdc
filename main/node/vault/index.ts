/** Encryption at rest for voice data (samples, consent audio, voice conditioning). See docs/security.md. */
export { Vault, readVaultConfig, looksEncrypted, MAGIC, FORMAT_VERSION, VAULT_FILE } from './vault.js';
export type { VaultConfig, VaultOpenOptions } from './vault.js';
export {
  keychainKeySource,
  passphraseKeySource,
  keychainAccount,
  deleteKeychainKey,
  KEYCHAIN_SERVICE,
  DEFAULT_SCRYPT,
} from './key-sources.js';
export type { KeySource, KeySourceKind, ScryptParams, KeychainRecord } from './key-sources.js';
export { VaultError, isVaultError } from './errors.js';
export type { VaultErrorCode } from './errors.js';
