export type PackErrorCode =
  | 'UNKNOWN_PACK'
  | 'NOT_INSTALLED'
  | 'TERMS_NOT_ACCEPTED'
  | 'DISK_FULL'
  | 'NETWORK'
  | 'HTTP'
  | 'SIZE_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'CANCELLED'
  | 'UNSAFE_ARCHIVE'
  | 'BAD_ARCHIVE'
  | 'MISSING_FILES'
  | 'BUSY'
  | 'POLICY';

/** A model-pack failure with a stable code and a message a person can act on. */
export class PackError extends Error {
  constructor(
    readonly code: PackErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'PackError';
  }
}
