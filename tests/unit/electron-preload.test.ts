import type { ContextBridge, IpcRenderer } from 'electron';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { PreloadBridge } from '../../preload/contract/index.js';

// The Electron binary is not installed here: the preload's `electron` import resolves to these fakes.
const fakes = vi.hoisted(() => {
  type Listener = (event: unknown, ...args: unknown[]) => void;
  const listeners = new Map<string, Set<Listener>>();
  const exposed: Record<string, unknown> = {};
  const ipcRenderer = {
    invoke: vi.fn(async (..._args: unknown[]) => ({ ok: true, result: 42 })),
    on: vi.fn((channel: string, l: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    }),
    removeListener: vi.fn((channel: string, l: Listener) => {
      listeners.get(channel)?.delete(l);
    }),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const contextBridge = {
    exposeInMainWorld: vi.fn((key: string, api: unknown) => {
      exposed[key] = api;
    }),
  };
  const emit = (channel: string, ...args: unknown[]) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: ipcRenderer, senderId: 0 }, ...args);
  };
  return { ipcRenderer, contextBridge, exposed, listeners, emit };
});

vi.mock('electron', () => ({
  contextBridge: fakes.contextBridge,
  ipcRenderer: fakes.ipcRenderer,
  webUtils: {
    getPathForFile: (f: unknown) => {
      if (typeof (f as { testPath?: unknown })?.testPath !== 'string') throw new TypeError('not a File');
      return (f as { testPath: string }).testPath;
    },
  },
}));

// Type-level check that the fakes stand in for the real Electron surfaces the preload uses.
const _typed: {
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;
  bridge: Pick<ContextBridge, 'exposeInMainWorld'>;
} = {
  ipc: fakes.ipcRenderer as unknown as Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>,
  bridge: fakes.contextBridge,
};

let bridge: PreloadBridge;

beforeAll(async () => {
  await import('../../preload/preload.electron.js');
  bridge = fakes.exposed.timbreBridge as PreloadBridge;
});

describe('preload bridge', () => {
  it('exposes exactly window.timbreBridge with invoke, subscribe, pathForFile and mediaScheme', () => {
    expect(fakes.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(Object.keys(fakes.exposed)).toEqual(['timbreBridge']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'mediaScheme', 'pathForFile', 'subscribe']);
    // a dropped/picked File gives its real path; anything else gives '' (never throws into the page)
    expect(bridge.pathForFile?.({ testPath: '/home/u/voice.wav' })).toBe('/home/u/voice.wav');
    expect(bridge.pathForFile?.('not a file')).toBe('');
    expect(bridge.mediaScheme).toBe('timbre-media');
    // ipcRenderer itself is never handed over
    for (const value of Object.values(bridge)) expect(value).not.toBe(fakes.ipcRenderer);
  });

  it('invoke() calls ipcRenderer.invoke on timbre:rpc with method and params and returns its result', async () => {
    const res = await bridge.invoke('projects.get', { id: 'p1' });
    expect(fakes.ipcRenderer.invoke).toHaveBeenCalledWith('timbre:rpc', 'projects.get', { id: 'p1' });
    expect(res).toEqual({ ok: true, result: 42 });
  });

  it('subscribe() delivers {event, payload} from timbre:event without the IPC event object, and unsubscribes', () => {
    const seen: unknown[][] = [];
    const off = bridge.subscribe((...args) => seen.push(args));
    expect(fakes.ipcRenderer.on).toHaveBeenCalledWith('timbre:event', expect.any(Function));
    fakes.emit('timbre:event', { event: 'project.changed', payload: { projectId: 'p1' } });
    fakes.emit('timbre:event', 'garbage');
    fakes.emit('timbre:event', { payload: 1 });
    expect(seen).toEqual([['project.changed', { projectId: 'p1' }]]);
    off();
    expect(fakes.listeners.get('timbre:event')?.size).toBe(0);
    fakes.emit('timbre:event', { event: 'projects.changed', payload: {} });
    expect(seen).toHaveLength(1);
  });

  it('never uses send/sendSync (only the invoke channel)', () => {
    expect(fakes.ipcRenderer.send).not.toHaveBeenCalled();
    expect(fakes.ipcRenderer.sendSync).not.toHaveBeenCalled();
  });
});
