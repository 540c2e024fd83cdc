import type { Migration } from './types.js';
import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-jobs-and-voices.js';
import { migration0003 } from './0003-synthesis-options.js';
import { migration0004 } from './0004-voice-consent.js';
import { migration0005 } from './0005-studio.js';
import { migration0009 } from './0009-take-analysis.js';
import { migration0012 } from './0012-job-resume.js';
import { migration0020 } from './0020-api-keys.js';
import { migration0021 } from './0021-take-qc.js';
import { migration0040 } from './0040-privacy-ledger.js';
import { migration0030 } from './0030-dub-projects.js';
import { migration0050 } from './0050-project-language.js';
import { migration0055 } from './0055-auto-retake.js';
import { migration0060 } from './0060-project-inputs-changed.js';

/**
 * Every migration, in order. Add one file per schema change and list it here; never edit a shipped migration.
 * Versions must increase but may have gaps (branches developed in parallel number their migrations ahead).
 */
export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0009,
  migration0012,
  migration0020,
  migration0021,
  migration0030,
  migration0040,
  migration0050,
  migration0055,
  migration0060,
];
