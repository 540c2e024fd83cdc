import type {
  EventName,
  MethodInput,
  MethodName,
  MethodResult,
  PreloadBridge,
  UploadableFile,
} from '../../../preload/contract/index.js';
import { ApiError } from './errors';
import { EventHub, type ClientApi, type ConnectionState, type Listener } from './types';
import { parseEvent } from './validate';

/** Transport over the Electron preload bridge (`window.timbreBridge`). */
export function createElectronApi(bridge: PreloadBridge): ClientApi {
  const hub = new EventHub();
  bridge.subscribe((event, payload) => {
    const parsed = parseEvent(event, payload);
    if (parsed) hub.emit(parsed.event, parsed.payload);
  });
  const pathOf = (file: UploadableFile): string => {
    const p = bridge.pathForFile?.(file) ?? '';
    if (!p)
      throw new ApiError(
        'INVALID_INPUT',
        `"${file.name}" has no path on this computer (it may come from another app): save it to a folder first.`,
      );
    return p;
  };
  const scheme = (bridge.mediaScheme || 'timbre-media').replace(/:(\/\/)?$/, '');

  async function call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
    let reply: Awaited<ReturnType<PreloadBridge['invoke']>>;
    try {
      reply = await bridge.invoke(method, params);
    } catch (err) {
      throw new ApiError('INTERNAL', err instanceof Error ? err.message : String(err));
    }
    if (reply && reply.ok) return reply.result as MethodResult<M>;
    throw ApiError.from(reply && !reply.ok ? reply.error : undefined, `${method} failed`);
  }

  return {
    transport: 'electron',
    connection: 'open' as ConnectionState,
    call,
    on<E extends EventName>(event: E, listener: Listener<E>) {
      return hub.on(event, listener);
    },
    onConnection() {
      return () => {};
    },
    takeAudioUrl(takeId: string) {
      return `${scheme}://takes/${encodeURIComponent(takeId)}.wav`;
    },
    stagingAudioUrl(stagingId: string) {
      return `${scheme}://staging/${encodeURIComponent(stagingId)}.wav`;
    },
    async stageFile(file: UploadableFile) {
      return call('voiceAudio.stage', { path: pathOf(file) });
    },
    async uploadVoiceFile(file: UploadableFile) {
      return { path: pathOf(file) };
    },
    dubMediaUrl(projectId: string, what: 'source' | 'dub', revision?: number) {
      return `${scheme}://dub/${encodeURIComponent(projectId)}/${what}${revision !== undefined ? `?rev=${revision}` : ''}`;
    },
    musicBedUrl(projectId: string, revision?: string) {
      return `${scheme}://music/${encodeURIComponent(projectId)}.wav${revision !== undefined ? `?rev=${encodeURIComponent(revision)}` : ''}`;
    },
    async uploadDubMedia(file: UploadableFile) {
      return { path: pathOf(file) };
    },
    exportFileUrl(exportId: string, index: number) {
      return `${scheme}://exports/${encodeURIComponent(exportId)}/${index}`;
    },
  };
}
