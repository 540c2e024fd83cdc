/**
 * Runs the eSpeak NG command-line program (the GPL `espeak-ng` npm package, WebAssembly) in-process.
 *
 * Every run is a fresh instance (the program keeps global state and its main() runs once per instance), but the
 * 18 MB .wasm is read and compiled only once per runtime and handed to each instance through Emscripten's
 * `instantiateWasm` hook, so a run costs instantiation + runtime start-up + synthesis, not a compile.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type ESpeakNgFactory from 'espeak-ng';

type Factory = typeof ESpeakNgFactory;

/**
 * The slice of the WebAssembly JS API used here. Declared locally: this project's lib settings (ES2023, no DOM)
 * and @types/node 20 do not declare the WebAssembly global.
 */
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface EspeakRunResult {
  /** The program's exit status. */
  status: number;
  stdout: string[];
  stderr: string[];
  /** The requested output files that the program wrote (missing ones are absent). */
  outputs: Map<string, Uint8Array>;
}

export interface EspeakRunOptions {
  /** Files written into the instance's in-memory file system before main() runs. */
  inputs?: Record<string, string | Uint8Array>;
  /** Files read back after main() returns. */
  outputs?: string[];
  /**
   * Wall-clock time (ms since the epoch) the program sees. eSpeak seeds rand() from time() once at start-up, and
   * some voices (the breathy `+f…` variants among them) add rand() noise, so pinning the clock makes a run
   * reproducible. Default: the real clock.
   */
  clockMs?: number;
}

/** Where the package's .wasm lives (next to its JS entry point). */
export function defaultWasmPath(): string {
  const entry = createRequire(import.meta.url).resolve('espeak-ng');
  return path.join(path.dirname(entry), 'espeak-ng.wasm');
}

export class EspeakRuntime {
  private factory?: Promise<Factory>;
  private compiled?: Promise<WasmModule>;

  constructor(private readonly wasmPath?: string) {}

  /** Import the JS glue and compile the .wasm (once); rejects if either is missing or broken. */
  async load(): Promise<{ factory: Factory; module: WasmModule }> {
    this.factory ??= import('espeak-ng').then((m) => m.default);
    this.compiled ??= readFile(this.wasmPath ?? defaultWasmPath()).then((bytes) => wasm.compile(bytes));
    try {
      const [factory, module] = await Promise.all([this.factory, this.compiled]);
      return { factory, module };
    } catch (err) {
      // Do not cache a failure: a later call (e.g. after a repair) tries again.
      this.factory = undefined;
      this.compiled = undefined;
      throw err;
    }
  }

  /** Run `espeak-ng <args>` in a fresh instance. */
  async run(args: string[], opts: EspeakRunOptions = {}): Promise<EspeakRunResult> {
    const { factory, module } = await this.load();
    const stdout: string[] = [];
    const stderr: string[] = [];
    let status = 0;

    // The package is a debug build: its in-memory file system creates an Error (with a captured stack trace) for
    // every "already exists" while it unpacks the ~hundreds of embedded voice files at start-up, which roughly
    // doubles the start-up time. Stack capture is switched off only for the synchronous stretch from preRun to
    // exit (no other JavaScript can run in between) and restored on every way out.
    let savedStackLimit: number | undefined;
    const restoreStackLimit = () => {
      if (savedStackLimit !== undefined) {
        Error.stackTraceLimit = savedStackLimit;
        savedStackLimit = undefined;
      }
    };

    try {
      const program = await factory({
        arguments: args,
        thisProgram: 'espeak-ng',
        print: (line) => stdout.push(line),
        printErr: (line) => stderr.push(line),
        quit: (code, toThrow) => {
          restoreStackLimit();
          status = code;
          throw toThrow;
        },
        instantiateWasm: (imports, receiveInstance) => {
          const clockMs = opts.clockMs;
          const env = (imports as { env?: Record<string, unknown> }).env;
          if (clockMs !== undefined && env && typeof env.emscripten_date_now === 'function') {
            env.emscripten_date_now = () => clockMs;
          }
          const instance = new wasm.Instance(module, imports);
          receiveInstance(instance, module);
          return instance.exports;
        },
        preRun: [
          (m) => {
            for (const [name, data] of Object.entries(opts.inputs ?? {})) m.FS.writeFile(name, data);
            savedStackLimit = Error.stackTraceLimit;
            Error.stackTraceLimit = 0;
          },
        ],
        postRun: [restoreStackLimit],
      });
      const outputs = new Map<string, Uint8Array>();
      for (const name of opts.outputs ?? []) {
        try {
          outputs.set(name, program.FS.readFile(name));
        } catch {
          // not written
        }
      }
      return { status, stdout, stderr, outputs };
    } finally {
      restoreStackLimit();
    }
  }

  dispose(): void {
    this.factory = undefined;
    this.compiled = undefined;
  }
}
