import { ErrorCode, type ApiErrorShape } from '../../../preload/contract/index.js';

/** Codes the client itself produces when the server never answered properly. */
export type ClientErrorCode = 'NETWORK' | 'BAD_RESPONSE';

/** A failed API call, with the server's code and human-readable message. */
export class ApiError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode | ClientErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }

  static from(shape: unknown, fallbackMessage = 'The request failed'): ApiError {
    if (shape && typeof shape === 'object') {
      const s = shape as Partial<ApiErrorShape>;
      const code = ErrorCode.safeParse(s.code);
      const message = typeof s.message === 'string' && s.message ? s.message : fallbackMessage;
      return new ApiError(code.success ? code.data : 'INTERNAL', message, s.details);
    }
    return new ApiError('INTERNAL', fallbackMessage);
  }
}

/**
 * A text with any access token removed (`?token=…`/`#token=…` in media URLs, `Bearer …`), so an error shown on the
 * page or copied into a bug report never carries the key to the studio.
 */
export function redactSecrets(text: string): string {
  return text.replace(/([?#&]token=)[\w%-]+/gi, '$1…').replace(/(\bBearer\s+)[\w.~+/=-]+/g, '$1…');
}

/** The message to show a person for any thrown value (never with an access token in it). */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return redactSecrets(err.message);
  if (err instanceof Error) return redactSecrets(err.message);
  return redactSecrets(String(err));
}

export const isApiError = (err: unknown, code?: ApiError['code']): err is ApiError =>
  err instanceof ApiError && (code === undefined || err.code === code);
