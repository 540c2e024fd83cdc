/**
 * IPC between the renderer and the core: one invoke channel for every API call, one push channel for events.
 * Calls are accepted only from frames on app://timbre; the core validates every call against the contract.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { EventName } from '../../preload/contract/index.js';
import { isAppUrl } from './origin.js';
import type { RpcResponse, ShellCore } from './types.js';

/** Channel names; the preload (preload/preload.electron.ts) uses the same literals. */
export const RPC_CHANNEL = 'timbre:rpc';
export const EVENT_CHANNEL = 'timbre:event';

export type EventMessage = { event: EventName; payload: unknown };

export type RpcSenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'>;
export type EventTarget = Pick<WebContents, 'send' | 'isDestroyed' | 'getURL'>;

export const forbidden = (message: string): RpcResponse => ({ ok: false, error: { code: 'FORBIDDEN', message } });

/** The invoke handler, separate from its registration so it can be tested directly. */
export function createRpcHandler(core: Pick<ShellCore, 'dispatch'>) {
  return async (event: RpcSenderEvent, method: unknown, params: unknown): Promise<RpcResponse> => {
    const frame = event.senderFrame;
    // A frame that navigated away or was destroyed (senderFrame null) cannot call the API.
    if (!frame || !isAppUrl(frame.url)) return forbidden('Only the Timbre window may call the Timbre API over IPC.');
    try {
      return await core.dispatch(method, params);
    } catch (err) {
      // dispatch never throws by contract; never let a bug turn into an unstructured IPC rejection.
      return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
    }
  };
}

export interface IpcWiring {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  core: Pick<ShellCore, 'dispatch' | 'subscribe'>;
  /** All live renderer WebContents, e.g. `() => BrowserWindow.getAllWindows().map((w) => w.webContents)`. */
  getTargets: () => EventTarget[];
}

/** Registers the RPC handler and forwards core events to every app window. Returns a disposer. */
export function registerIpc({ ipcMain, core, getTargets }: IpcWiring): () => void {
  const handler = createRpcHandler(core);
  ipcMain.handle(RPC_CHANNEL, (event, method: unknown, params: unknown) => handler(event, method, params));
  const unsubscribe = core.subscribe((event, payload) => {
    const message: EventMessage = { event, payload };
    for (const target of getTargets()) {
      if (target.isDestroyed() || !isAppUrl(target.getURL())) continue;
      try {
        target.send(EVENT_CHANNEL, message);
      } catch {
        // a window closing mid-send; the next event goes to the remaining ones
      }
    }
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(RPC_CHANNEL);
  };
}
