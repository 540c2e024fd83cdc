/**
 * The app's own origin and the two custom schemes the shell registers.
 *
 * Node's WHATWG URL reports `origin === 'null'` for non-special schemes, so origin checks here compare scheme and
 * host explicitly instead of relying on `URL.origin` (Chromium, where the scheme is registered as standard, would
 * say `app://timbre`).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'timbre';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Scheme of take audio URLs: `timbre-media://takes/<takeId>.wav`. Must equal the preload's `mediaScheme`. */
export const MEDIA_SCHEME = 'timbre-media';

function parse(url: string | null | undefined): URL | null {
  if (typeof url !== 'string' || url.length === 0) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True for any URL (or bare origin, with or without a trailing slash) on `app://timbre`. */
export function isAppUrl(url: string | null | undefined): boolean {
  const u = parse(url);
  return (
    u !== null &&
    u.protocol === `${APP_SCHEME}:` &&
    u.host === APP_HOST &&
    u.username === '' &&
    u.password === '' &&
    u.port === ''
  );
}
