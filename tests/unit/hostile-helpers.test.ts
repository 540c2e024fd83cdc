import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectServerAlive, integrityCheck, partialFiles, runCli } from '../helpers/hostile.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';

describe('hostile-input test helpers', () => {
  const t = tempDir();
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer(path.join(t.dir, 'data'));
  }, 60_000);
  afterAll(() => {
    server?.proc.kill();
    t.cleanup();
  });

  it('runCli reports the exit code, output and peak memory of a real run', async () => {
    const run = await runCli(['--help'], { dataDir: path.join(t.dir, 'cli') });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage/);
    expect(run.maxRssMb).toBeGreaterThan(10);
    expect(run.maxRssMb).toBeLessThan(1024);
    const bad = await runCli(['no-such-command'], { dataDir: path.join(t.dir, 'cli') });
    expect(bad.code).not.toBe(0);
  }, 60_000);

  it('expectServerAlive passes on a live server and fails on a dead one; integrity and partial-file checks', async () => {
    await expectServerAlive(server);
    expect(integrityCheck(path.join(t.dir, 'data'))).toBe('ok');
    writeFileSync(path.join(t.dir, 'data', '.x.abc.tmp-timbre'), 'x');
    expect(partialFiles(path.join(t.dir, 'data'))).toEqual(['.x.abc.tmp-timbre']);
    server.proc.kill('SIGKILL');
    await new Promise((r) => server.proc.once('exit', r));
    await expect(expectServerAlive(server)).rejects.toThrow(/exited/);
  }, 60_000);
});
