import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2));
// `serve` keeps running; everything else exits with its code.
if (code !== -1) process.exitCode = code;
