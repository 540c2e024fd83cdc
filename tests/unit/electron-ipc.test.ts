import type { IpcMain, IpcMainInvokeEvent, WebContents, WebFrameMain } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../preload/contract/index.js';
import { createRpcHandler, EVENT_CHANNEL, registerIpc, RPC_CHANNEL } from '../../main/electron-main/ipc.js';
import type { RpcResponse, ShellCore } from '../../main/electron-main/types.js';

const frame = (url: string) => ({ senderFrame: { url } as unknown as WebFrameMain });

function fakeCore() {
  let listener: ((e: EventName, p: unknown) => void) | null = null;
  const unsubscribe = vi.fn();
  const dispatch = vi.fn(async (method: unknown, params: unknown): Promise<RpcResponse> => ({
    ok: true,
    result: { method, params },
  }));
  const core: Pick<ShellCore, 'dispatch' | 'subscribe'> = {
    dispatch,
    subscribe: (l) => {
      listener = l;
      return unsubscribe;
    },
  };
  return { core, dispatch, unsubscribe, emit: (e: EventName, p: unknown) => listener?.(e, p) };
}

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipc = {
    handle: (channel: string, h: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) => {
      handlers.set(channel, h);
    },
    removeHandler: (channel: string) => {
      handlers.delete(channel);
    },
  };
  return { ipcMain: ipc as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>, handlers };
}

function fakeTarget(url: string, destroyed = false) {
  const target = { send: vi.fn(), isDestroyed: () => destroyed, getURL: () => url };
  return target as typeof target & Pick<WebContents, 'send' | 'isDestroyed' | 'getURL'>;
}

describe('IPC rpc handler', () => {
  it('refuses a foreign sender frame with FORBIDDEN and never reaches the core', async () => {
    const { core, dispatch } = fakeCore();
    const handler = createRpcHandler(core);
    for (const url of ['https://evil.example/', 'file:///index.html', 'app://evil/index.html', 'about:blank', '']) {
      const res = await handler(frame(url), 'projects.list', {});
      expect(res, url).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await handler({ senderFrame: null }, 'projects.list', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('forwards a call from the app window to core.dispatch and returns its response', async () => {
    const { core, dispatch } = fakeCore();
    const response: RpcResponse = { ok: false, error: { code: 'NOT_FOUND', message: 'gone' } };
    dispatch.mockResolvedValueOnce(response);
    const handler = createRpcHandler(core);
    expect(await handler(frame('app://timbre/index.html'), 'projects.get', { id: 'p1' })).toBe(response);
    expect(dispatch).toHaveBeenCalledWith('projects.get', { id: 'p1' });
    expect(await handler(frame('app://timbre/index.html'), 'projects.list', {})).toEqual({
      ok: true,
      result: { method: 'projects.list', params: {} },
    });
  });

  it('turns a throwing dispatch into an INTERNAL error response', async () => {
    const { core, dispatch } = fakeCore();
    dispatch.mockRejectedValueOnce(new Error('boom'));
    const res = await createRpcHandler(core)(frame('app://timbre/'), 'app.info', {});
    expect(res).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });
});

describe('IPC wiring', () => {
  it('registers timbre:rpc on ipcMain and handles calls through it', async () => {
    const { core } = fakeCore();
    const { ipcMain, handlers } = fakeIpcMain();
    registerIpc({ ipcMain, core, getTargets: () => [] });
    expect(RPC_CHANNEL).toBe('timbre:rpc');
    const h = handlers.get('timbre:rpc')!;
    expect(await h(frame('app://timbre/index.html') as IpcMainInvokeEvent, 'app.info', {})).toMatchObject({
      ok: true,
    });
    expect(await h(frame('https://evil.example/') as IpcMainInvokeEvent, 'app.info', {})).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('forwards core events to every live app window as {event, payload} on timbre:event', () => {
    const { core, emit } = fakeCore();
    const { ipcMain } = fakeIpcMain();
    const a = fakeTarget('app://timbre/index.html');
    const b = fakeTarget('app://timbre/index.html#/p');
    const dead = fakeTarget('app://timbre/index.html', true);
    const foreign = fakeTarget('https://evil.example/');
    registerIpc({ ipcMain, core, getTargets: () => [a, b, dead, foreign] });
    emit('project.changed', { projectId: 'p1' });
    expect(EVENT_CHANNEL).toBe('timbre:event');
    for (const t of [a, b])
      expect(t.send).toHaveBeenCalledWith('timbre:event', { event: 'project.changed', payload: { projectId: 'p1' } });
    expect(dead.send).not.toHaveBeenCalled();
    expect(foreign.send).not.toHaveBeenCalled();
  });

  it('keeps delivering when one window throws, and the disposer unsubscribes and unregisters', () => {
    const { core, emit, unsubscribe } = fakeCore();
    const { ipcMain, handlers } = fakeIpcMain();
    const broken = fakeTarget('app://timbre/');
    broken.send.mockImplementation(() => {
      throw new Error('closing');
    });
    const ok = fakeTarget('app://timbre/');
    const dispose = registerIpc({ ipcMain, core, getTargets: () => [broken, ok] });
    emit('projects.changed', {});
    expect(ok.send).toHaveBeenCalledTimes(1);
    dispose();
    expect(unsubscribe).toHaveBeenCalled();
    expect(handlers.has('timbre:rpc')).toBe(false);
  });
});
