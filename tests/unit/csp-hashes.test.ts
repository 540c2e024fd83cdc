/**
 * The renderer's CSP admits wavesurfer.js's one shadow-root <style> block by hash (no 'unsafe-inline'). Recompute the
 * hash from the installed wavesurfer.js exactly as it renders the block for the Studio timeline (height 84) and check
 * that both policies (index.html meta, Electron response header) carry it, so an upgrade cannot silently break the
 * waveform's layout.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/electron-main/security';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function wavesurferStyleHash(height: number): string {
  const src = readFileSync(path.join(ROOT, 'node_modules', 'wavesurfer.js', 'dist', 'wavesurfer.esm.js'), 'utf8');
  const start = src.indexOf('e.innerHTML=`');
  expect(start, 'wavesurfer.js no longer builds its shadow DOM with innerHTML').toBeGreaterThan(0);
  const end = src.indexOf('`,[t,e]}', start);
  const template = src.slice(start + 'e.innerHTML='.length, end + 1);
  // Evaluates wavesurfer's own template literal (from node_modules, not user input).
  const render = new Function('i', `return ${template}`) as (this: unknown, nonce: string) => string;
  const html = render.call({ getHeight: (h: number) => h, options: { height } }, '');
  const css = html.slice(html.indexOf('<style>') + '<style>'.length, html.indexOf('</style>'));
  expect(css).toContain(':host .canvases');
  expect(css).toContain(`min-height: ${height}px`);
  return `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
}

describe('CSP hashes for wavesurfer.js', () => {
  const hash = wavesurferStyleHash(84);

  it('index.html admits the timeline waveform style', () => {
    const html = readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/style-src [^;]*/);
    expect(/style-src ([^;]*)/.exec(csp)?.[1]).toContain(hash);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('the Electron policy admits it too', () => {
    expect(/style-src ([^;]*)/.exec(CONTENT_SECURITY_POLICY)?.[1]).toContain(hash);
  });
});
