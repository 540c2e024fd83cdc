import type { BrowserWindowConstructorOptions } from 'electron';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/electron-main/security.js';
import {
  createAppProtocolHandler,
  mainWindowOptions,
  PRIVILEGED_SCHEMES,
  resolveAppPath,
} from '../../main/electron-main/window.js';
import { APP_ENTRY_URL } from '../../main/electron-main/origin.js';

describe('BrowserWindow options', () => {
  const opts: BrowserWindowConstructorOptions = mainWindowOptions({ preloadPath: '/app/preload.cjs', devTools: false });

  it('has the secure webPreferences', () => {
    expect(opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
      preload: '/app/preload.cjs',
    });
  });

  it('allows devtools only when asked (development builds)', () => {
    expect(mainWindowOptions({ preloadPath: '/p', devTools: true }).webPreferences?.devTools).toBe(true);
  });

  it('loads from app://timbre, registered as a standard secure scheme that does not bypass CSP', () => {
    expect(APP_ENTRY_URL).toBe('app://timbre/index.html');
    const app = PRIVILEGED_SCHEMES.find((s) => s.scheme === 'app');
    expect(app?.privileges).toMatchObject({ standard: true, secure: true });
    for (const s of PRIVILEGED_SCHEMES) expect(s.privileges?.bypassCSP ?? false).toBe(false);
    expect(PRIVILEGED_SCHEMES.find((s) => s.scheme === 'timbre-media')?.privileges?.stream).toBe(true);
  });
});

describe('app:// protocol', () => {
  let tmp: string;
  let root: string;
  let handle: (r: Request) => Promise<Response>;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'timbre-app-proto-'));
    root = path.join(tmp, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Timbre</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(tmp, 'secret.txt'), 'top secret');
    symlinkSync(path.join(tmp, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
    handle = createAppProtocolHandler(root);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('serves index.html with the CSP and hardening headers', async () => {
    const res = await handle(new Request('app://timbre/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<title>Timbre</title>');
  });

  it('serves assets with their content type, and / as index.html', async () => {
    const js = await handle(new Request('app://timbre/assets/app.js'));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await (await handle(new Request('app://timbre/'))).text()).toContain('Timbre');
  });

  it('refuses path traversal in every spelling', async () => {
    for (const url of [
      'app://timbre/..%2fsecret.txt',
      'app://timbre/assets/..%2f..%2fsecret.txt',
      'app://timbre/%2e%2e/secret.txt',
      'app://timbre/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://timbre/..%5csecret.txt',
      'app://timbre/%00index.html',
      'app://timbre/%E0%A4%A',
    ]) {
      const res = await handle(new Request(url));
      expect([403, 404], url).toContain(res.status);
      expect(await res.text(), url).not.toContain('top secret');
    }
    expect(resolveAppPath(root, 'app://timbre/..%2fsecret.txt')).toBeNull();
    expect(resolveAppPath(root, 'app://timbre/C:%5cWindows')).toBeNull();
  });

  it('refuses a symlink that points outside the renderer folder', async () => {
    const res = await handle(new Request('app://timbre/assets/link.txt'));
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('top secret');
  });

  it('refuses other hosts, 404s missing files, 405s non-GET', async () => {
    expect((await handle(new Request('app://evil/index.html'))).status).toBe(403);
    expect((await handle(new Request('app://timbre/missing.js'))).status).toBe(404);
    expect((await handle(new Request('app://timbre/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('falls back to index.html for client-side routes only', async () => {
    const route = await handle(new Request('app://timbre/projects/p1'));
    expect(route.status).toBe(200);
    expect(route.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await handle(new Request('app://timbre/projects/p1.js'))).status).toBe(404);
  });
});
