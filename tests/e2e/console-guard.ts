/**
 * Fails an e2e suite on anything a newcomer's browser console would show: a console error, an uncaught page error,
 * an HTTP response of 400 or more, or a request that failed outright. What a test provokes on purpose (a wrong
 * passphrase, a server it stops) is allowed explicitly, by URL and/or status or message, for that test only.
 *
 * Usage: `const guard = guardPage(page)`, then `afterEach(() => guard.expectClean())`; inside a test,
 * `guard.allow({ url: /\/api\/session$/, status: 401 })` for what it provokes.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface Allowance {
  /** Matches the response's (or console message's source) URL. */
  url?: RegExp;
  /** Matches the response's status. */
  status?: number;
  /** Matches a console message's text or a failed request's error text. */
  text?: RegExp;
}

export interface PageGuard {
  /** Allow what the current test provokes on purpose (cleared by expectClean). */
  allow(...a: Allowance[]): void;
  /** What went wrong so far (URLs with their access token redacted). */
  readonly problems: string[];
  /** Assert nothing went wrong since the last call, then start afresh (allowances included). */
  expectClean(): void;
}

/** URLs in reports without the access token (`?token=…`, `#token=…`). */
const redact = (s: string) => s.replace(/([?#&]token=)[\w-]+/g, '$1…');

export function guardPage(page: Page, always: Allowance[] = []): PageGuard {
  const problems: string[] = [];
  let allowed: Allowance[] = [];
  const isAllowed = (p: { url?: string; status?: number; text?: string }) =>
    [...always, ...allowed].some(
      (a) =>
        (a.url === undefined || (p.url !== undefined && a.url.test(p.url))) &&
        (a.status === undefined || a.status === p.status) &&
        (a.text === undefined || (p.text !== undefined && a.text.test(p.text))),
    );
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const url = m.location().url;
    // "Failed to load resource: … status of 401" is Chromium's echo of a response: allowed with that response.
    const status = Number(/status of (\d{3})/.exec(text)?.[1] ?? NaN);
    if (isAllowed({ url, text, status: Number.isNaN(status) ? undefined : status })) return;
    problems.push(`console error: ${redact(text)}${url ? ` (${redact(url)})` : ''}`);
  });
  page.on('pageerror', (e) => {
    if (isAllowed({ text: e.message })) return;
    problems.push(`page error: ${redact(e.message)}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400 || isAllowed({ url: r.url(), status: r.status() })) return;
    let call = '';
    try {
      const m = (r.request().postDataJSON() as { method?: unknown } | null)?.method;
      if (typeof m === 'string') call = ` (${m})`;
    } catch {
      // not JSON
    }
    problems.push(`HTTP ${r.status()} ${r.request().method()} ${redact(r.url())}${call}`);
  });
  page.on('requestfailed', (r) => {
    const text = r.failure()?.errorText ?? 'failed';
    // The page itself cancelled it (an <audio> that seeks or changes source, a navigation): nothing failed.
    if (text === 'net::ERR_ABORTED') return;
    if (isAllowed({ url: r.url(), text })) return;
    problems.push(`request failed: ${r.method()} ${redact(r.url())}: ${text}`);
  });
  return {
    allow: (...a) => void allowed.push(...a),
    problems,
    expectClean() {
      const seen = problems.splice(0);
      allowed = [];
      expect(seen, 'console errors or failed requests').toEqual([]);
    },
  };
}
