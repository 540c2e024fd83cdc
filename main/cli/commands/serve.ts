import net from 'node:net';
import type { Command } from 'commander';
import { Option } from 'commander';
import { appVersion, rendererDir } from '../../node/app-root.js';
import { createCore } from '../../node/core.js';
import { nodeFeedUpdateService } from '../../node/updates/feed-updater.js';
import { startWebServer } from '../../node/server/web-server.js';
import { CliError } from '../cli-error.js';
import { currentPolicy } from '../../node/policy/policy.js';

export function registerServeCommand(program: Command, getDataDir: () => string): void {
  program
    .command('serve')
    .description('serve the studio in web mode on 127.0.0.1 and print its URL (with the access token)')
    .addOption(new Option('--port <n>', 'port (0 picks a free one)').default('0').argParser(parsePort))
    .option(
      '--listen <address>',
      'also let other computers reach the API (/v1) on this address, e.g. 0.0.0.0 (API keys only: timbre api-keys)',
    )
    .action(async (opts: { port: number; listen?: string }) => {
      const policy = currentPolicy();
      if (opts.listen !== undefined && (policy.policy.remoteApi === false || policy.policy.localApi === false))
        throw new CliError(
          `Serving the API to other computers is turned off: set by your organization (policy ${policy.source}).`,
          1,
        );
      if (opts.listen !== undefined && net.isIP(opts.listen) === 0)
        throw new CliError(`--listen needs an IP address (e.g. 0.0.0.0 or 192.168.1.20), not "${opts.listen}"`, 2);
      // A fixed access token (TIMBRE_SERVE_TOKEN), so an open studio page reconnects by itself after a restart; a
      // random one per launch otherwise. Read from the environment only: a command-line flag would show in `ps`.
      const fixedToken = process.env.TIMBRE_SERVE_TOKEN;
      if (fixedToken !== undefined && !/^[A-Za-z0-9_-]{32,128}$/.test(fixedToken))
        throw new CliError(
          'TIMBRE_SERVE_TOKEN must be 32 to 128 letters, digits, "-" or "_" (e.g. the output of: openssl rand -base64 32 | tr "+/" "-_" | tr -d "=")',
          2,
        );
      const core = await createCore({ dataDir: getDataDir(), transport: 'web', version: appVersion() });
      // Tests only: an update feed for Settings → Updates (electron-updater's own check and download, in Node;
      // installing stays the desktop app's). Loopback only, so it can never point a real install anywhere.
      const testFeed = process.env.TIMBRE_TEST_UPDATE_FEED;
      if (testFeed) {
        if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(testFeed))
          throw new CliError('TIMBRE_TEST_UPDATE_FEED must be an http://127.0.0.1:PORT/ URL (tests only)', 2);
        core.setUpdates(
          nodeFeedUpdateService({
            dataDir: core.dataDir,
            ledger: core.ledger,
            version: appVersion(),
            feedUrl: testFeed,
            policy: currentPolicy(),
          }),
        );
      }
      const r = core.recovery;
      if (r.interruptedJobs || r.orphanTakesRemoved || r.tempFilesRemoved)
        process.stderr.write(
          `Recovered after an unclean stop: ${r.interruptedJobs} interrupted job(s), ${r.orphanTakesRemoved} unfinished take file(s) and ${r.tempFilesRemoved} temp file(s) removed.\n`,
        );
      if (r.resumedJobs || r.skippedJobs)
        process.stderr.write(
          `Resumed ${r.resumedJobs} interrupted job(s)${r.skippedJobs ? `; ${r.skippedJobs} not resumed (line changed or deleted)` : ''}.\n`,
        );
      const server = await startWebServer({
        core,
        port: opts.port,
        staticDir: rendererDir(),
        version: appVersion(),
        listen: opts.listen,
        token: fixedToken,
      }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(
          err.code === 'EADDRINUSE' ? `Port ${opts.port} is in use: pick another with --port` : err.message,
        );
      });
      process.stdout.write(`Timbre studio: ${server.studioUrl}\n`);
      process.stdout.write(`Data folder: ${core.dataDir}\n`);
      process.stdout.write(
        `API (OpenAI-compatible speech, docs/api.md): base URL ${server.url}/v1, key ${server.token}\n`,
      );
      if (server.remote)
        process.stdout.write(
          `The API is reachable from other computers at http://${opts.listen}:${server.port}/v1 with API keys only ` +
            '(timbre api-keys create); the studio page stays on this computer. Press Ctrl+C to stop.\n',
        );
      else process.stdout.write('Only this computer can reach it. Press Ctrl+C to stop.\n');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await core.close();
    });
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--port must be a number from 0 to 65535, not "${v}"`, 2);
  return n;
}
