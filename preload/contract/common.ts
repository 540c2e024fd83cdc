/** Shared pieces of the contract: limits, errors, ids, the call helper. See index.ts. */
import { z } from 'zod';

/** Limits that both sides agree on. */
export const LIMITS = {
  projectNameMax: 200,
  lineTextMax: 10_000,
  linesPerProjectMax: 20_000,
  settingKeyMax: 100,
  /** Script file uploaded from the browser (base64 in the call): 8 MiB of source. */
  scriptUploadBytesMax: 8 * 1024 * 1024,
  /** Pasted script text. */
  scriptTextMax: 5_000_000,
  speakersMax: 200,
  dictionaryEntriesMax: 5_000,
  /** Music bed uploaded from the browser (base64 in the call; web mode accepts calls of up to 48 MiB). */
  musicUploadBytesMax: 32 * 1024 * 1024,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

export const ErrorCode = z.enum([
  'INVALID_INPUT', // the call did not match its schema
  'UNKNOWN_METHOD',
  'NOT_FOUND', // an id that does not exist (or no longer exists)
  'CONFLICT', // e.g. the project was deleted meanwhile
  'UNSUPPORTED_TEXT', // text an engine cannot speak
  'ENGINE_UNAVAILABLE', // engine or model pack not installed
  'ENGINE_ERROR',
  'CANCELLED',
  'DISK_FULL',
  'VAULT_LOCKED', // voice data is encrypted and no key is available yet (keychain missing: unlock with a passphrase)
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED', // too many requests waiting (the public API answers 429)
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Machine-readable detail, e.g. the failing schema paths. */
  details: z.unknown().optional(),
});
export type ApiErrorShape = z.infer<typeof ApiErrorShape>;

export const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids contain only letters, digits, _ and -');
export const IsoTime = z.string();

export const empty = z.object({}).strict();
export const FilePath = z.string().min(1).max(4096);
export const TimeWindow = z
  .object({ start: z.number().nonnegative(), end: z.number().positive() })
  .strict()
  .refine((w) => w.end > w.start, 'The window must end after it starts');
/** A file the browser uploaded: name (for its type) and content. */
export const Upload = (maxBytes: number) =>
  z
    .object({
      fileName: z.string().min(1).max(255),
      base64: z
        .string()
        .max(Math.ceil(maxBytes / 3) * 4 + 4, `The file is too large (at most ${Math.round(maxBytes / 1048576)} MiB)`),
    })
    .strict();

export function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}
