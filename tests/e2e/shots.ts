/**
 * Where the e2e suites write their screenshots: test-results/screenshots/ (ignored by git) by default, so `npm test`
 * never dirties the checkout; docs/screenshots/ with TIMBRE_UPDATE_SCREENSHOTS=1, to refresh the documentation's
 * pictures on purpose (then commit them).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/server-process.js';

export const SHOTS = process.env.TIMBRE_UPDATE_SCREENSHOTS
  ? path.join(ROOT, 'docs', 'screenshots')
  : path.join(ROOT, 'test-results', 'screenshots');
mkdirSync(SHOTS, { recursive: true });
