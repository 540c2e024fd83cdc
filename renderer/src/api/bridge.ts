import type { EventName, MethodInput, MethodName, MethodResult, PreloadBridge } from '../../../preload/contract';
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
  const scheme = (bridge.mediaScheme || 'timbre-media').replace(/:(\/\/)?$/, '');

  return {
    transport: 'electron',
    connection: 'open' as ConnectionState,
    async call<M extends MethodName>(method: M, params: MethodInput<M>): Promise<MethodResult<M>> {
      let reply: Awaited<ReturnType<PreloadBridge['invoke']>>;
      try {
        reply = await bridge.invoke(method, params);
      } catch (err) {
        throw new ApiError('INTERNAL', err instanceof Error ? err.message : String(err));
      }
      if (reply && reply.ok) return reply.result as MethodResult<M>;
      throw ApiError.from(reply && !reply.ok ? reply.error : undefined, `${method} failed`);
    },
    on<E extends EventName>(event: E, listener: Listener<E>) {
      return hub.on(event, listener);
    },
    onConnection() {
      return () => {};
    },
    takeAudioUrl(takeId: string) {
      return `${scheme}://takes/${encodeURIComponent(takeId)}.wav`;
    },
    projectMixUrl(projectId: string, rev: string) {
      return `${scheme}://projects/${encodeURIComponent(projectId)}/mix.wav?rev=${encodeURIComponent(rev)}`;
    },
    exportFileUrl(exportId: string, index: number) {
      return `${scheme}://exports/${encodeURIComponent(exportId)}/${index}`;
    },
  };
}
