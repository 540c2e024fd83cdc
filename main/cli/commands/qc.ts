/**
 * `timbre qc PROJECT [--json]`: take QC of every active take of a project (the embedded aligner, offline), flagged
 * lines first. Takes checked before are not checked again. Exit codes: 0 when QC ran (whatever it found), 1 on
 * failure, 2 on usage errors (unknown project).
 */
import type { Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore } from '../../node/core.js';
import { toApiError } from '../../../native-models/common/errors.js';
import { describeIssue } from '../../../native-models/speech/qc.js';
import { CliError } from '../cli-error.js';

export function registerQcCommand(program: Command, getDataDir: () => string): void {
  program
    .command('qc')
    .description(
      'check every active take of a project against its text (missing, repeated or unclear words, long pauses, clipping), flagged lines first',
    )
    .argument('<project>', 'project id')
    .option('--json', 'print the QC report as JSON ({"lines":[{"number","text","qc":{"status","issues",…}}],…})')
    .action(async (projectId: string, o: { json?: boolean }) => {
      const core = await createCore({
        dataDir: getDataDir(),
        transport: 'web',
        version: appVersion(),
        log: () => undefined,
      });
      const ac = new AbortController();
      const onSig = () => ac.abort();
      process.once('SIGINT', onSig);
      try {
        const tty = process.stderr.isTTY && !o.json;
        const report = await core.qc
          .project(projectId, {
            signal: ac.signal,
            onProgress: (done, total) => {
              if (tty) process.stderr.write(`\rchecking takes ${done}/${total}   `);
            },
          })
          .catch((err: unknown) => {
            const e = toApiError(err);
            throw new CliError(e.message, e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT' ? 2 : 1);
          });
        if (tty) process.stderr.write('\r');
        if (o.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        for (const l of report.lines) {
          const mark = l.qc.status === 'ok' ? 'ok     ' : l.qc.status === 'flagged' ? 'FLAGGED' : 'skipped';
          const score = l.qc.score === null ? '    ' : l.qc.score.toFixed(2);
          const text = l.text.length > 60 ? `${l.text.slice(0, 57)}…` : l.text;
          process.stdout.write(`${mark} ${score} line ${String(l.number).padStart(4)}  ${text}\n`);
          if (l.qc.status === 'flagged')
            for (const i of l.qc.issues) process.stdout.write(`        ${describeIssue(i)}\n`);
          if (l.qc.status === 'flagged' && !l.qc.issues.length) process.stdout.write(`        ${l.qc.summary}\n`);
          if (l.qc.status === 'unchecked') process.stdout.write(`        ${l.qc.summary}\n`);
        }
        process.stdout.write(
          `${report.flagged} flagged, ${report.ok} ok, ${report.unchecked} not checked` +
            (report.withoutTake ? `, ${report.withoutTake} line(s) without a take` : '') +
            '\n',
        );
      } finally {
        process.removeListener('SIGINT', onSig);
        await core.close();
      }
    });
}
