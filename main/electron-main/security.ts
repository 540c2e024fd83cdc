/**
 * Security policy of the Electron shell: content security policy, navigation and window-open rules, permission
 * handlers and session hardening. Everything here takes Electron objects as parameters (typed with Electron's own
 * types) so it can be unit-tested with fakes; see docs/electron.md for the reasoning behind each rule.
 */
import type { Session, WebContents } from 'electron';
import { isAppUrl, MEDIA_SCHEME } from './origin.js';

// ---------------------------------------------------------------------------------------------------------------
// Content security policy and response headers
// ---------------------------------------------------------------------------------------------------------------

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The hash admits the one <style> block wavesurfer.js puts in its shadow root (timeline waveform, height 84);
  // tests/unit/csp-hashes.test.ts recomputes it from node_modules so an upgrade cannot silently break it.
  "style-src 'self' 'sha256-2/AFTPuP4qEbSn4KmAzsJt3JK6WrqUViQjrdhLR/QMQ='",
  "img-src 'self' data:",
  "font-src 'self'",
  `media-src 'self' ${MEDIA_SCHEME}:`,
  // wavesurfer.js fetches the episode mix (timbre-media:) to draw the timeline waveform.
  `connect-src 'self' ${MEDIA_SCHEME}:`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every app:// response (the CSP plus the usual hardening headers). */
export const APP_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'microphone=(), camera=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=()',
};

// ---------------------------------------------------------------------------------------------------------------
// External links
// ---------------------------------------------------------------------------------------------------------------

interface ExternalRule {
  readonly origin: string;
  readonly path: string;
  /** When true, any path below `path` (which then ends in '/') is allowed too. */
  readonly prefix?: boolean;
}

/**
 * The only pages Timbre ever hands to the system browser: the project homepage, its documentation and licences.
 * Anything else a page tries to open is dropped.
 */
export const EXTERNAL_URL_ALLOW_LIST: readonly ExternalRule[] = [
  { origin: 'https://timbre.app', path: '/' },
  { origin: 'https://timbre.app', path: '/docs/', prefix: true },
  { origin: 'https://timbre.app', path: '/license' },
  { origin: 'https://timbre.app', path: '/privacy' },
  { origin: 'https://timbre.app', path: '/third-party-licenses' },
  { origin: 'https://github.com', path: '/timbre-studio/timbre' },
  { origin: 'https://github.com', path: '/timbre-studio/timbre/blob/main/LICENSE' },
];

export function isAllowedExternalUrl(url: string, allowList: readonly ExternalRule[] = EXTERNAL_URL_ALLOW_LIST) {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.port !== '') return false;
  return allowList.some(
    (rule) =>
      u.origin === rule.origin && (u.pathname === rule.path || (rule.prefix && u.pathname.startsWith(rule.path))),
  );
}

export type OpenExternal = (url: string) => Promise<void>;

// ---------------------------------------------------------------------------------------------------------------
// Per-window rules
// ---------------------------------------------------------------------------------------------------------------

export type HardenableWebContents = Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'closeDevTools'>;

export interface WebContentsPolicyOptions {
  openExternal: OpenExternal;
  /** False in production builds: devtools are refused even if something manages to open them. */
  allowDevTools: boolean;
  onBlocked?: (what: string, url: string) => void;
}

/**
 * Applies the navigation, window-open, webview and devtools rules to one WebContents. Called for every
 * WebContents the app creates (`app.on('web-contents-created')`), not only the main window's.
 */
export function hardenWebContents(contents: HardenableWebContents, opts: WebContentsPolicyOptions): void {
  const blocked = opts.onBlocked ?? (() => {});
  const openIfAllowed = (url: string) => {
    if (isAllowedExternalUrl(url)) void opts.openExternal(url).catch(() => {});
    else blocked('external-url', url);
  };

  // Navigation never leaves app://timbre. A link clicked in the page (will-navigate) that points at an
  // allow-listed page opens the system browser instead; frame navigations and redirects are only blocked.
  const guard = (event: { preventDefault(): void }, url: string, what: string) => {
    if (isAppUrl(url)) return true;
    event.preventDefault();
    blocked(what, url);
    return false;
  };
  contents.on('will-navigate', (event) => {
    if (!guard(event, event.url, 'navigation')) openIfAllowed(event.url);
  });
  // will-frame-navigate also fires for the main frame (already handled above); here only subframes matter.
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) guard(event, event.url, 'frame-navigation');
  });
  contents.on('will-redirect', (event) => {
    guard(event, event.url, 'redirect');
  });

  // No new Electron windows, ever: allow-listed https pages go to the system browser, the rest is dropped.
  contents.setWindowOpenHandler((details) => {
    openIfAllowed(details.url);
    return { action: 'deny' };
  });

  // <webview> is disabled in webPreferences too; refuse any attachment attempt regardless.
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    blocked('webview', '');
  });

  if (!opts.allowDevTools) contents.on('devtools-opened', () => contents.closeDevTools());
}

// ---------------------------------------------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------------------------------------------

type RequestHandler = NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>;
type CheckHandler = NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>;

/**
 * The renderer gets no permission at all, the microphone included: recording runs in the core process
 * (main/node/recorder, started over the contract), so the page never needs getUserMedia. Camera, notifications,
 * geolocation, clipboard, MIDI, HID and every other request, from any origin, are denied.
 */
export const permissionRequestHandler: RequestHandler = (_webContents, _permission, callback) => callback(false);

export const permissionCheckHandler: CheckHandler = () => false;

// ---------------------------------------------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------------------------------------------

export type HardenableSession = Pick<
  Session,
  | 'setPermissionRequestHandler'
  | 'setPermissionCheckHandler'
  | 'setDevicePermissionHandler'
  | 'setDisplayMediaRequestHandler'
  | 'setSpellCheckerEnabled'
  | 'webRequest'
>;

/** Schemes the renderer's session may load. Everything else (http, https, ws, ftp, file, …) is cancelled. */
export const LOCAL_SCHEMES = new Set(['app:', `${MEDIA_SCHEME}:`, 'data:', 'blob:']);
const DEV_SCHEMES = new Set(['devtools:', 'chrome-extension:']);

export function isLocalRequest(url: string, allowDevTools: boolean): boolean {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return false;
  }
  return LOCAL_SCHEMES.has(protocol) || (allowDevTools && DEV_SCHEMES.has(protocol));
}

/**
 * Hardens the renderer's session: permission handlers, no device or screen access, no spell-checker (it would
 * download dictionaries), no remote content at all, and the CSP on app:// responses as a second layer (the
 * protocol handler already sets it). The updater uses its own session partition, so it is not affected.
 */
export function hardenSession(ses: HardenableSession, opts: { allowDevTools: boolean }): void {
  ses.setPermissionRequestHandler(permissionRequestHandler);
  ses.setPermissionCheckHandler(permissionCheckHandler);
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback(null));
  ses.setSpellCheckerEnabled(false);

  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isLocalRequest(details.url, opts.allowDevTools) });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({});
    const responseHeaders: Record<string, string | string[]> = { ...(details.responseHeaders ?? {}) };
    for (const key of Object.keys(responseHeaders))
      if (key.toLowerCase() === 'content-security-policy') delete responseHeaders[key];
    responseHeaders['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
    callback({ responseHeaders });
  });
}
