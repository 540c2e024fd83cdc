import { ApiError } from '../../native-models/common/errors.js';
import { checkOutputTarget } from '../../native-models/common/safe-fs.js';
import { CliError } from './cli-error.js';

/**
 * Refuse, before any work, an output path that exists and is not a regular file (a device, a named pipe, a folder, or
 * a link to one): exit code 2 with the reason. writeFileAtomic checks again when it writes.
 */
export async function checkOutputPath(out: string, what = 'The output file'): Promise<void> {
  await checkOutputTarget(out, { what }).catch((err: unknown) => {
    throw err instanceof ApiError ? new CliError(err.message, 2) : err;
  });
}
