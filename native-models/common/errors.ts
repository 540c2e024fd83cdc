import type { ApiErrorShape, ErrorCode } from '../../preload/contract/index.js';

/** An error that crosses the API boundary with a stable code and a message a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError('NOT_FOUND', `${what} "${id}" does not exist (it may have been deleted)`, { id });

/** Map any thrown value to the API error shape; file-system errors get specific, actionable messages. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && 'code' in e) {
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'SQLITE_FULL')
      return new ApiError('DISK_FULL', 'The disk is full: free some space and try again. Nothing saved was lost.');
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS')
      return new ApiError('INTERNAL', `Timbre cannot write to its data folder (${e.code}): check its permissions.`);
  }
  return new ApiError('INTERNAL', e instanceof Error ? e.message : String(err));
}
