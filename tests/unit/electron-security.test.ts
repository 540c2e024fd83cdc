import type { Session, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  APP_RESPONSE_HEADERS,
  CONTENT_SECURITY_POLICY,
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isLocalRequest,
  permissionCheckHandler,
  permissionRequestHandler,
  type HardenableSession,
  type HardenableWebContents,
} from '../../main/electron-main/security.js';

type Listener = (...args: unknown[]) => void;

/** A WebContents stand-in: records listeners and the window-open handler. */
class FakeContents {
  listeners = new Map<string, Listener[]>();
  windowOpenHandler: Parameters<WebContents['setWindowOpenHandler']>[0] | null = null;
  closeDevTools = vi.fn();
  constructor(private url = 'app://timbre/index.html') {}
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  setWindowOpenHandler(handler: Parameters<WebContents['setWindowOpenHandler']>[0]) {
    this.windowOpenHandler = handler;
  }
  getURL() {
    return this.url;
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args);
  }
  asHardenable() {
    return this as unknown as HardenableWebContents;
  }
  asWebContents() {
    return this as unknown as WebContents;
  }
}

const navEvent = (url: string) => {
  const e = { url, isMainFrame: true, isSameDocument: false, defaultPrevented: false, preventDefault: vi.fn() };
  e.preventDefault.mockImplementation(() => (e.defaultPrevented = true));
  return e;
};

function harden(opts: { allowDevTools?: boolean } = {}) {
  const contents = new FakeContents();
  const openExternal = vi.fn((_url: string) => Promise.resolve());
  hardenWebContents(contents.asHardenable(), { openExternal, allowDevTools: opts.allowDevTools ?? false });
  return { contents, openExternal };
}

type RequestDetails = Parameters<NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>>[3];
type CheckDetails = Parameters<NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>>[3];
type Permission = Parameters<NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>>[1];

function request(
  permission: Permission,
  details: Partial<RequestDetails> & { mediaTypes?: Array<'audio' | 'video'>; securityOrigin?: string },
  pageUrl = 'app://timbre/index.html',
): boolean {
  let granted: boolean | undefined;
  permissionRequestHandler(new FakeContents(pageUrl).asWebContents(), permission, (g) => (granted = g), {
    isMainFrame: true,
    requestingUrl: pageUrl,
    ...details,
  } as RequestDetails);
  if (granted === undefined) throw new Error('callback not called');
  return granted;
}

const check = (permission: Permission, origin: string, details: Partial<CheckDetails>) =>
  permissionCheckHandler(null, permission, origin, { isMainFrame: true, ...details } as CheckDetails);

describe('permission request handler', () => {
  // Recording runs in the core process (issue #4): the renderer itself gets no microphone, even on its own origin.
  it('denies the microphone, even to the app origin', () => {
    expect(request('media', { mediaTypes: ['audio'], securityOrigin: 'app://timbre/' })).toBe(false);
  });

  it('denies the camera, and audio+video, to the app origin and to other origins', () => {
    const foreign = 'https://evil.example/page';
    expect(request('media', { mediaTypes: ['video'], securityOrigin: 'app://timbre/' })).toBe(false);
    expect(request('media', { mediaTypes: ['audio', 'video'], securityOrigin: 'app://timbre/' })).toBe(false);
    expect(request('media', { mediaTypes: ['audio'], securityOrigin: 'https://evil.example' }, foreign)).toBe(false);
    expect(request('media', { mediaTypes: ['video'], securityOrigin: 'https://evil.example' }, foreign)).toBe(false);
  });

  it('denies notifications, geolocation, clipboard, midi and the rest', () => {
    for (const p of ['notifications', 'geolocation', 'clipboard-read', 'midiSysex', 'display-capture', 'openExternal'])
      expect(request(p as Permission, {})).toBe(false);
  });
});

describe('permission check handler', () => {
  it('answers no to everything, audio media on the app origin included', () => {
    expect(check('media', 'app://timbre', { mediaType: 'audio', securityOrigin: 'app://timbre/' })).toBe(false);
    expect(check('media', 'app://timbre', { mediaType: 'video', securityOrigin: 'app://timbre/' })).toBe(false);
    expect(check('media', 'https://evil.example', { mediaType: 'audio' })).toBe(false);
    expect(check('notifications', 'app://timbre', {})).toBe(false);
    expect(check('geolocation', 'app://timbre', {})).toBe(false);
  });
});

describe('navigation and windows', () => {
  it('prevents navigation, subframe navigation and redirects to foreign URLs', () => {
    const { contents, openExternal } = harden();
    for (const channel of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      for (const url of [
        'https://evil.example/',
        'file:///etc/passwd',
        'app://evil/index.html',
        'javascript:alert(1)',
        'https://timbre.app/',
      ]) {
        const e = { ...navEvent(url), isMainFrame: channel !== 'will-frame-navigate' };
        contents.emit(channel, e, url);
        expect(e.preventDefault, `${channel} ${url}`).toHaveBeenCalled();
      }
    }
    // only the page-initiated main-frame navigation to an allow-listed page goes to the browser, once
    expect(openExternal.mock.calls).toEqual([['https://timbre.app/']]);
  });

  it('lets in-app navigation through', () => {
    const { contents } = harden();
    const e = navEvent('app://timbre/index.html#/projects');
    contents.emit('will-navigate', e, e.url);
    expect(e.preventDefault).not.toHaveBeenCalled();
  });

  it('opens an allow-listed link clicked in the page in the system browser instead of navigating', () => {
    const { contents, openExternal } = harden();
    const e = navEvent('https://timbre.app/docs/getting-started');
    contents.emit('will-navigate', e, e.url);
    expect(e.preventDefault).toHaveBeenCalled();
    expect(openExternal).toHaveBeenCalledWith('https://timbre.app/docs/getting-started');
  });

  it('denies every window.open; only allow-listed https URLs reach openExternal', () => {
    const { contents, openExternal } = harden();
    const open = (url: string) =>
      contents.windowOpenHandler!({
        url,
        frameName: '',
        features: '',
        disposition: 'new-window',
        referrer: { url: '', policy: 'no-referrer' },
      });
    const tries = [
      'https://timbre.app/',
      'https://timbre.app/license',
      'https://timbre.app/docs/voices',
      'https://evil.example/',
      'http://timbre.app/',
      'https://timbre.app.evil.example/',
      'https://user@timbre.app/',
      'https://timbre.app:8443/',
      'https://timbre.app/admin',
      'app://timbre/index.html',
      'file:///etc/passwd',
      'smb://server/share',
    ];
    for (const url of tries) expect(open(url)).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls.map((c) => c[0])).toEqual([
      'https://timbre.app/',
      'https://timbre.app/license',
      'https://timbre.app/docs/voices',
    ]);
  });

  it('refuses webview attachment', () => {
    const { contents } = harden();
    const e = navEvent('');
    contents.emit('will-attach-webview', e, {}, { src: 'https://evil.example' });
    expect(e.preventDefault).toHaveBeenCalled();
  });

  it('closes devtools in production and leaves them alone in development', () => {
    const prod = harden({ allowDevTools: false });
    prod.contents.emit('devtools-opened');
    expect(prod.contents.closeDevTools).toHaveBeenCalled();
    const dev = harden({ allowDevTools: true });
    dev.contents.emit('devtools-opened');
    expect(dev.contents.closeDevTools).not.toHaveBeenCalled();
  });

  it('allow-list helper rejects look-alikes', () => {
    expect(isAllowedExternalUrl('https://timbre.app/docs/')).toBe(true);
    expect(isAllowedExternalUrl('https://timbre.app/docsx')).toBe(false);
    expect(isAllowedExternalUrl('not a url')).toBe(false);
  });
});

describe('session hardening', () => {
  function fakeSession() {
    const calls: Record<string, unknown[]> = {};
    const rec =
      (name: string) =>
      (...args: unknown[]) => {
        calls[name] = args;
      };
    const ses = {
      setPermissionRequestHandler: rec('setPermissionRequestHandler'),
      setPermissionCheckHandler: rec('setPermissionCheckHandler'),
      setDevicePermissionHandler: rec('setDevicePermissionHandler'),
      setDisplayMediaRequestHandler: rec('setDisplayMediaRequestHandler'),
      setSpellCheckerEnabled: rec('setSpellCheckerEnabled'),
      webRequest: { onBeforeRequest: rec('onBeforeRequest'), onHeadersReceived: rec('onHeadersReceived') },
    };
    return { ses: ses as unknown as HardenableSession, calls };
  }

  it('installs the permission handlers, denies devices and screen capture, disables the spell-checker', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { allowDevTools: false });
    expect(calls.setPermissionRequestHandler[0]).toBe(permissionRequestHandler);
    expect(calls.setPermissionCheckHandler[0]).toBe(permissionCheckHandler);
    expect((calls.setDevicePermissionHandler[0] as () => boolean)()).toBe(false);
    expect(calls.setSpellCheckerEnabled[0]).toBe(false);
    const display = vi.fn();
    (calls.setDisplayMediaRequestHandler[0] as (r: unknown, cb: (s: unknown) => void) => void)({}, display);
    expect(display).toHaveBeenCalledWith(null);
  });

  it('cancels every remote request (no network from the renderer)', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { allowDevTools: false });
    const onBefore = calls.onBeforeRequest[0] as (d: { url: string }, cb: (r: { cancel: boolean }) => void) => void;
    const verdict = (url: string) => {
      let cancel: boolean | undefined;
      onBefore({ url }, (r) => (cancel = r.cancel));
      return cancel;
    };
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'wss://x/', 'file:///etc/passwd'])
      expect(verdict(url), url).toBe(true);
    for (const url of ['app://timbre/index.html', 'timbre-media://takes/t1.wav', 'data:image/png;base64,AA'])
      expect(verdict(url), url).toBe(false);
    expect(isLocalRequest('devtools://devtools/x', false)).toBe(false);
    expect(isLocalRequest('devtools://devtools/x', true)).toBe(true);
  });

  it('sets the CSP header on app:// responses (replacing any other) and leaves other responses alone', () => {
    const { ses, calls } = fakeSession();
    hardenSession(ses, { allowDevTools: false });
    type Cb = (r: { responseHeaders?: Record<string, string | string[]> }) => void;
    const onHeaders = calls.onHeadersReceived[0] as (d: object, cb: Cb) => void;
    let headers: Record<string, string | string[]> | undefined;
    onHeaders(
      { url: 'app://timbre/index.html', responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    onHeaders({ url: 'timbre-media://takes/a.wav', responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers).toBeUndefined();
  });

  it('the CSP is strict', () => {
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(directives).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'media-src': "'self' timbre-media:",
      'connect-src': "'self' timbre-media:",
      'object-src': "'none'",
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|\*|https?:/);
    expect(APP_RESPONSE_HEADERS['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});
