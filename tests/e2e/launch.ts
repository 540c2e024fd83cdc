/**
 * What every e2e suite does first: the built app (dist/, built once when missing: `npm test` builds it before the
 * suites) and Debian's Chromium, launched as the brief says (no sandbox, no GPU, no background networking).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../helpers/server-process.js';

/** Builds dist/ (renderer and node bundles) when either is missing. */
export function ensureBuilt(): void {
  if (existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html')) && existsSync(path.join(ROOT, 'dist', 'node')))
    return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'build', 'scripts', 'build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('build failed');
}

/** Chromium for a suite; `autoplay` lets media play without a user gesture (suites that start players themselves). */
export function launchChromium(o: { autoplay?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      ...(o.autoplay ? ['--autoplay-policy=no-user-gesture-required'] : []),
    ],
  });
}
