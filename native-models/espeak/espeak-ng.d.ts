/**
 * Types for the parts of the `espeak-ng` npm package (an Emscripten MODULARIZE/EXPORT_ES6 build of the eSpeak NG
 * command-line program) that Timbre uses. Each call of the default export instantiates the program once and runs
 * its main() with `arguments`.
 */
declare module 'espeak-ng' {
  export interface EspeakFs {
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string): Uint8Array;
  }

  export interface EspeakModule {
    FS: EspeakFs;
  }

  export interface EspeakModuleOptions {
    arguments: string[];
    thisProgram?: string;
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    /** Called on exit(): the default sets process.exitCode, which a host process must never inherit. */
    quit?: (status: number, toThrow: unknown) => never;
    /**
     * Replace the package's own read-and-compile of espeak-ng.wasm: instantiate with `imports`, pass the instance
     * (a WebAssembly.Instance) to `receiveInstance`, and return its exports (or {} when finishing asynchronously).
     */
    instantiateWasm?: (imports: object, receiveInstance: (instance: unknown, module?: unknown) => void) => object;
    preRun?: Array<(module: EspeakModule) => void>;
    postRun?: Array<(module: EspeakModule) => void>;
    onRuntimeInitialized?: () => void;
  }

  const ESpeakNg: (options: EspeakModuleOptions) => Promise<EspeakModule>;
  export default ESpeakNg;
}
