/**
 * The slice of the core services (main/node/core.ts) that the shell uses. Declared here structurally so the
 * shell's modules depend on the interface, not the implementation, and tests can pass fakes.
 */
import type { ApiErrorShape, EventName } from '../../preload/contract/index.js';

export type RpcResponse = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

export interface ShellCore {
  readonly dataDir: string;
  /** Validates with the contract; never throws. */
  dispatch(method: unknown, params: unknown): Promise<RpcResponse>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
  /** Absolute path of a take's WAV; throws an ApiError with code NOT_FOUND for an unknown take. */
  takeFilePath(takeId: string): string;
  /** Decrypted WAV of staged voice audio; rejects with an ApiError (NOT_FOUND, VAULT_LOCKED). */
  stagingWav(stagingId: string): Promise<Buffer>;
  /** A finished export's file; throws NOT_FOUND. */
  exportFilePath?(exportId: string, index: number): string;
  /** A dubbing project's source media or dub preview (the Dub view's player). */
  dubMediaFile?(projectId: string, what: 'source' | 'dub'): string;
  /** A studio project's stored music bed (the preview player). */
  musicBedFile?(projectId: string): string;
  close(): Promise<void>;
}
