/**
 * The one typed API contract of Timbre.
 *
 * Every call the renderer (or a local API client) can make, and every event the core pushes back, is declared
 * exactly once with a runtime schema, in the file of its domain (app, studio, jobs, export, models, voices; shared
 * pieces in common.ts); this index joins them into the one method and event map. Both transports (Electron IPC and the loopback HTTP/WebSocket server)
 * validate incoming calls against these schemas before any handler runs: the renderer is untrusted.
 *
 * This file must stay free of Node and Electron imports: it is shared by the preload bridge, the renderer and the
 * core services.
 */
import type { z } from 'zod';
import { apiMethods } from './api.js';
import { policyMethods } from './policy.js';
import { timelineMethods } from './timeline.js';
import { qcMethods, speechMethods } from './speech.js';
import { privacyMethods } from './privacy.js';
import { updatesEvents, updatesMethods } from './updates.js';
import { dubCloneEvents, dubCloneMethods, dubEvents, dubMethods } from './dub.js';
import { appMethods } from './app.js';
import { exportEvents, exportMethods } from './export.js';
import { jobsEvents, jobsMethods } from './jobs.js';
import { modelsEvents, modelsMethods } from './models.js';
import { studioEvents, studioMethods } from './studio.js';
import { voicesEvents, voicesMethods } from './voices.js';
import type { ApiErrorShape } from './common.js';
import type { StagedAudio } from './voices.js';

export { LIMITS, ErrorCode, ApiErrorShape } from './common.js';
export * from './app.js';
export * from './studio.js';
export * from './jobs.js';
export * from './export.js';
export * from './models.js';
export * from './voices.js';
export * from './api.js';
export * from './policy.js';
export * from './timeline.js';
export * from './audiobook.js';
export * from './speech.js';
export * from './dub.js';
export * from './privacy.js';
export * from './updates.js';

export const methods = {
  ...appMethods,
  ...studioMethods,
  ...modelsMethods,
  ...voicesMethods,
  ...jobsMethods,
  ...exportMethods,
  ...apiMethods,
  ...policyMethods,
  ...timelineMethods,
  ...speechMethods,
  ...qcMethods,
  ...privacyMethods,
  ...updatesMethods,
  ...dubMethods,
  ...dubCloneMethods,
} as const;

export const events = {
  ...jobsEvents,
  ...studioEvents,
  ...modelsEvents,
  ...voicesEvents,
  ...exportEvents,
  ...updatesEvents,
  ...dubEvents,
  ...dubCloneEvents,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParams<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** A browser File (kept structural so this file needs no DOM types). */
export interface UploadableFile {
  readonly name: string;
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Bytes of an upload sent so far (web mode; Electron sends no bytes and never calls it). */
export type UploadProgress = (sent: number, total: number) => void;

/** The API as the renderer sees it, whatever the transport. */
export interface TimbreApi {
  call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** A URL the renderer can put in an <audio> element to play a take. */
  takeAudioUrl(takeId: string): string;
  /** A URL for an <audio> element (or wavesurfer) to play staged audio (16-bit mono WAV). */
  stagingAudioUrl(stagingId: string): string;
  /**
   * Stage a file the user picked or dropped (File from an <input type=file> or a drop). Electron: its real path goes
   * to voiceAudio.stage; web mode: it is uploaded (PUT /api/uploads). Same result and errors as voiceAudio.stage.
   */
  stageFile(file: UploadableFile, onProgress?: UploadProgress): Promise<StagedAudio>;
  /** Make a picked `.timbrevoice` file available to library.importFile: a path (Electron) or an upload id (web). */
  uploadVoiceFile(file: UploadableFile): Promise<{ path: string } | { uploadId: string }>;
  /** The media of a dubbing project for <video>/<audio>: its source, or the dub preview (`dub.preview` builds it). */
  dubMediaUrl(projectId: string, what: 'source' | 'dub', revision?: number): string;
  /** Make a picked video/audio available to dub.create: its path (Electron) or an upload id (web, `kind=dub-media`). */
  uploadDubMedia(file: UploadableFile, onProgress?: UploadProgress): Promise<{ path: string } | { uploadId: string }>;
  /**
   * The project's stored music bed (a float WAV at the music's own rate, Range-seekable) for the preview player;
   * `revision` (e.g. the bed's file name) makes a changed bed a new URL.
   */
  musicBedUrl(projectId: string, revision?: string): string;
  /** URL to download file `index` of a finished export (`ExportJob.files[index]`). */
  exportFileUrl(exportId: string, index: number): string;
  readonly transport: 'electron' | 'web';
}

/** Shape of the raw bridge the Electron preload exposes on `window.timbreBridge`. */
export interface PreloadBridge {
  invoke(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ApiErrorShape }>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  readonly mediaScheme: string;
  /** The real path of a File the user picked or dropped (webUtils.getPathForFile); '' when it has none. */
  pathForFile?(file: unknown): string;
}

export const isMethodName = (m: unknown): m is MethodName =>
  typeof m === 'string' && Object.prototype.hasOwnProperty.call(methods, m);
