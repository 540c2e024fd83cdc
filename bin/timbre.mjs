#!/usr/bin/env node
// Entry point of the `timbre` command. Builds the app on first use (e.g. right after a fresh clone).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// onnxruntime's telemetry (a device id in TMPDIR) off for this process and its workers and children: see
// disableOrtTelemetry in native-models/onnx/session.ts.
process.env.ORT_DISABLE_TELEMETRY = '1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'node', 'cli.js');
if (!existsSync(entry)) {
  const r = spawnSync(process.execPath, [path.join(root, 'build', 'scripts', 'build.mjs')], {
    stdio: ['ignore', 2, 2],
  });
  if (r.status !== 0) process.exit(1);
}
await import(entry);
