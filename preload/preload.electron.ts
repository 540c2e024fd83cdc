/**
 * The Electron preload: the renderer's only door to the main process.
 *
 * Runs sandboxed (bundled to one CJS file, dist/electron/preload.cjs), so it may use only `contextBridge` and
 * `ipcRenderer`. It exposes exactly `window.timbreBridge: PreloadBridge` — invoke, subscribe, pathForFile and the media scheme —
 * and never ipcRenderer itself, nor the IPC event object (whose `sender` is ipcRenderer).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { PreloadBridge } from './contract/index.js';

// Same literals as main/electron-main/ipc.ts and origin.ts (kept local: this file is bundled on its own).
const RPC_CHANNEL = 'timbre:rpc';
const EVENT_CHANNEL = 'timbre:event';
const MEDIA_SCHEME = 'timbre-media';

type RpcResult = Awaited<ReturnType<PreloadBridge['invoke']>>;

const bridge: PreloadBridge = {
  invoke(method: string, params: unknown): Promise<RpcResult> {
    return ipcRenderer.invoke(RPC_CHANNEL, method, params) as Promise<RpcResult>;
  },
  subscribe(listener: (event: string, payload: unknown) => void): () => void {
    const onMessage = (_e: IpcRendererEvent, message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      const { event, payload } = message as { event?: unknown; payload?: unknown };
      if (typeof event === 'string') listener(event, payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, onMessage);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, onMessage);
    };
  },
  mediaScheme: MEDIA_SCHEME,
  pathForFile(file: unknown): string {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('timbreBridge', bridge);
