/**
 * Errors of the voice-data vault. Each has a stable code and a message a person can act on.
 * The codes are not (yet) part of the API contract's `ErrorCode`; `toJSON` gives the same shape as `ApiError`.
 */
export type VaultErrorCode =
  /** No OS keychain (Secret Service / D-Bus, Keychain, Credential Manager) could be reached or it is locked. */
  | 'KEYCHAIN_UNAVAILABLE'
  /** vault.json says the key is in the keychain, but the keychain has no entry for it (or a different key). */
  | 'KEY_MISSING'
  /** The passphrase does not match the one the vault was created with. */
  | 'WRONG_PASSPHRASE'
  /** An empty passphrase, or a passphrase vault opened without one. */
  | 'PASSPHRASE_REQUIRED'
  /** The vault was created with another key source than the one given to `Vault.open`. */
  | 'KEY_SOURCE_MISMATCH'
  /** vault.json is unreadable, malformed, or has parameters Timbre refuses. */
  | 'VAULT_CORRUPT'
  /** GCM authentication failed: wrong key, altered file, or a file moved to another logical name. */
  | 'DECRYPT_FAILED'
  /** The file does not start with the Timbre encryption header. */
  | 'NOT_ENCRYPTED'
  /** An encrypted file written by a newer Timbre. */
  | 'UNSUPPORTED_FORMAT';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'VaultError';
  }

  toJSON(): { code: VaultErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const isVaultError = (err: unknown, code?: VaultErrorCode): err is VaultError =>
  err instanceof VaultError && (code === undefined || err.code === code);
