/**
 * `timbre`: the same services as the studio, without a window. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { appVersion } from '../node/app-root.js';
import { resolveDataDir } from '../node/paths.js';
import { CliError } from './cli-error.js';
import { registerAlignCommand } from './commands/align.js';
import { registerCleanCommand } from './commands/clean.js';
import { registerExportCommand } from './commands/export.js';
import { registerModelsCommands } from './commands/models.js';
import { registerQcCommand } from './commands/qc.js';
import { registerRecordCommand } from './commands/record.js';
import { registerRenderCommand } from './commands/render.js';
import { registerApiKeysCommands } from './commands/api-keys.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerSayCommand } from './commands/say.js';
import { registerServeCommand } from './commands/serve.js';
import { registerVoicesCommands } from './commands/voices.js';
import { registerDubCommand } from './commands/dub.js';
import { registerPrivacyCommands } from './commands/privacy.js';
import { registerTranscribeCommand } from './commands/transcribe.js';

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('timbre')
    .description('Timbre: an offline, privacy-first AI voice studio. Nothing leaves this machine.')
    .version(appVersion(), '-V, --version')
    .addOption(new Option('--data-dir <dir>', 'data folder (default: per-user app data; env TIMBRE_DATA_DIR)'))
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const getDataDir = () => resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
  registerServeCommand(program, getDataDir);
  registerSayCommand(program, getDataDir);
  registerModelsCommands(program, getDataDir);
  registerVoicesCommands(program, getDataDir);
  registerRecordCommand(program, getDataDir);
  registerCleanCommand(program, getDataDir);
  registerExportCommand(program, getDataDir);
  registerRenderCommand(program, getDataDir);
  registerApiKeysCommands(program, getDataDir);
  registerMcpCommand(program, getDataDir);
  registerAlignCommand(program);
  registerQcCommand(program, getDataDir);
  registerDubCommand(program, getDataDir);
  registerPrivacyCommands(program, getDataDir);
  registerTranscribeCommand(program, getDataDir);

  // Usage errors must not exit the process from inside commander: map them to exit code 2.
  const tune = (cmd: Command) => {
    cmd
      .exitOverride()
      .showHelpAfterError(`(run "${cmd.name() === 'timbre' ? 'timbre' : `timbre ${cmd.name()}`} --help" for usage)`);
    cmd.commands.forEach(tune);
  };
  tune(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`timbre: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as { code?: string; message?: string };
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'DISK_FULL') {
      // Every CLI write goes through a temp file that is removed on failure: nothing partial is left.
      process.stderr.write('timbre: the disk is full: nothing was written. Free some space and try again.\n');
      return 1;
    }
    process.stderr.write(`timbre: ${e.message ?? String(err)}\n`);
    return 1;
  }
}
