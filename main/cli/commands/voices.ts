import path from 'node:path';
import type { Command } from 'commander';
import { appVersion } from '../../node/app-root.js';
import { createCore, type Core } from '../../node/core.js';
import type {
  ConsentStatement,
  ConsentVerification,
  LibraryVoice,
  StagedAudio,
  VoiceInfo,
} from '../../../preload/contract/index.js';
import { adviceText } from '../../../native-models/enhance/cleanup.js';
import { CliError } from '../cli-error.js';

/** Run one API call against a core on the data folder; API errors become CLI errors (usage errors exit 2). */
async function withCore<T>(
  getDataDir: () => string,
  fn: (call: <R>(m: string, p: unknown) => Promise<R>) => Promise<T>,
): Promise<T> {
  const core: Core = await createCore({
    dataDir: getDataDir(),
    transport: 'web',
    version: appVersion(),
    log: () => undefined,
  });
  try {
    return await fn(await coreCaller(core));
  } finally {
    await core.close();
  }
}

export type CoreCall = <R>(method: string, params: unknown) => Promise<R>;

/**
 * API calls on an open core for a command: errors become CLI errors (usage errors exit 2). Without a system keychain,
 * TIMBRE_PASSPHRASE unlocks the encrypted voice data first (never stored in plaintext).
 */
export async function coreCaller(core: Core): Promise<CoreCall> {
  const call = async <R>(method: string, params: unknown): Promise<R> => {
    const r = await core.dispatch(method, params);
    if (r.ok) return r.result as R;
    if (r.error.code === 'ENGINE_UNAVAILABLE' && method === 'voiceAudio.stage')
      throw Object.assign(new CliError(r.error.message), { details: r.error.details });
    if (r.error.code === 'VAULT_LOCKED')
      throw new CliError(`${r.error.message} (from the command line: set TIMBRE_PASSPHRASE)`);
    throw new CliError(r.error.message, r.error.code === 'INVALID_INPUT' || r.error.code === 'NOT_FOUND' ? 2 : 1);
  };
  if (process.env.TIMBRE_PASSPHRASE) await call('vault.unlock', { passphrase: process.env.TIMBRE_PASSPHRASE });
  return call;
}

/** Consent options shared by `voices add` and `dub --clone-speaker`, checked as usage (exit 2). */
export function checkConsentOptions(o: { attest?: string; consent?: string; statement?: string }, what: string): void {
  if (!o.attest && !o.consent)
    throw new CliError(
      `${what} needs consent: --attest "YOUR NAME" (you hold the rights) or --consent RECORDING --statement ID.`,
      2,
    );
  if (o.attest && o.consent) throw new CliError('Give either --attest or --consent, not both.', 2);
  if (o.consent && !o.statement)
    throw new CliError(
      'With --consent, give --statement ID: first run "timbre voices statement NAME --speaker OWNER", ' +
        'record the owner reading the text, then pass that recording and the printed id.',
      2,
    );
}

/**
 * The owner's reading of a consent statement, staged and checked (each check printed on stderr unless `quiet`): the
 * consent record for library.create. The staged recording is pushed to `staged` for the caller to discard.
 */
export async function statementConsent(
  call: CoreCall,
  recording: string,
  statementId: string,
  staged: StagedAudio[],
  quiet: boolean,
): Promise<{ kind: 'statement'; statementId: string; stagingId: string }> {
  const rec = await call<StagedAudio>('voiceAudio.stage', { path: recording });
  staged.push(rec);
  const check = await call<ConsentVerification>('consent.verify', { statementId, stagingId: rec.stagingId });
  if (!quiet) for (const c of check.checks) process.stderr.write(`consent ${c.check}: ${c.detail}\n`);
  return { kind: 'statement', statementId, stagingId: rec.stagingId };
}

/** A passphrase for voice files: TIMBRE_VOICE_PASSPHRASE, else asked on the terminal (not echoed). */
export async function voicePassphrase(confirm: boolean): Promise<string> {
  const env = process.env.TIMBRE_VOICE_PASSPHRASE;
  if (env) return env;
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    throw new CliError('Set TIMBRE_VOICE_PASSPHRASE to the voice file’s passphrase (no terminal to ask on).', 2);
  const ask = (q: string) =>
    new Promise<string>((resolve, reject) => {
      process.stderr.write(q);
      const stdin = process.stdin;
      stdin.setRawMode(true);
      stdin.resume();
      let text = '';
      const done = (err?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        if (err) reject(err);
        else resolve(text);
      };
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return done();
          if (ch === '\u0003') return done(new CliError('Cancelled', 1));
          if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
          else text += ch;
        }
      };
      stdin.on('data', onData);
    });
  const p = await ask('Voice file passphrase: ');
  if (confirm && (await ask('Repeat it: ')) !== p) throw new CliError('The passphrases differ: nothing was done.', 2);
  return p;
}

function printReport(label: string, s: StagedAudio): void {
  const r = s.report;
  process.stderr.write(
    `${label}: ${r.durationSeconds.toFixed(1)} s, ${r.speechSeconds.toFixed(1)} s of speech, ` +
      `SNR ${r.snrDb === null ? 'n/a' : `${r.snrDb.toFixed(0)} dB`}, ${r.sampleRate} Hz\n`,
  );
  for (const a of r.advice.filter((x) => x.code !== 'ok'))
    process.stderr.write(`  ${a.severity}: ${adviceText(a.code)}\n`);
}

export function registerVoicesCommands(program: Command, getDataDir: () => string): void {
  const voices = program
    .command('voices')
    .description('the voice library (cloned voices) and the engines\u2019 voices');

  voices
    .command('list')
    .description('list voices: your library first, then every installed engine voice')
    .option('--json', 'machine-readable output')
    .option('--library', 'only the voice library')
    .action((opts: { json?: boolean; library?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const lib = await call<LibraryVoice[]>('library.list', {});
        const all = opts.library
          ? []
          : (await call<VoiceInfo[]>('voices.list', {})).filter((v) => v.engineId !== 'library');
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ library: lib, engines: all }, null, 2)}\n`);
        for (const v of lib)
          process.stdout.write(
            `${v.voiceId.padEnd(40)} ${v.name}  [${v.language}; ${v.samples.reduce((s, x) => s + x.seconds, 0).toFixed(1)} s; consent ${v.consent?.status ?? 'missing'}; ${v.engines.join(', ') || 'no cloning pack'}]\n`,
          );
        for (const v of all) process.stdout.write(`${v.id.padEnd(40)} ${v.name}  [${v.language}]\n`);
      }),
    );

  voices
    .command('statement')
    .description('generate a consent statement for the voice owner to read aloud (then: voices add --consent)')
    .argument('<voice-name>', 'the name the voice will have')
    .requiredOption('--speaker <name>', 'the voice owner\u2019s name')
    .option('--language <tag>', 'en or zh-CN', 'en')
    .option('--json', 'machine-readable output')
    .action((voiceName: string, opts: { speaker: string; language: string; json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const st = await call<ConsentStatement>('consent.statement', {
          voiceName,
          speakerName: opts.speaker,
          language: opts.language,
        });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        process.stdout.write(
          `${st.text}\n\nStatement id: ${st.statementId} (valid 24 h; about ${st.expectedSeconds.toFixed(0)} s to read)\n` +
            `Record it being read, then: timbre voices add "${voiceName}" --audio SAMPLE --consent RECORDING --statement ${st.statementId}\n`,
        );
      }),
    );

  voices
    .command('add')
    .description('add a voice from a recording (any common audio or video format)')
    .argument('<name>', 'the voice\u2019s name')
    .requiredOption('--audio <file...>', 'the reference recording(s)')
    .option('--attest <name>', 'your name: you attest you hold the rights to this voice')
    .option('--purpose <text>', 'what the voice will be used for (with --attest)', 'Personal projects')
    .option('--consent <file>', 'a recording of the voice owner reading the consent statement (see: voices statement)')
    .option('--statement <id>', 'the statement id printed by "timbre voices statement" (with --consent)')
    .option('--clean', 'denoise, trim and normalise the recording(s) first')
    .option('--language <tag>', 'language of the voice', 'en')
    .option('--tag <tag...>', 'tags')
    .option('--json', 'machine-readable output')
    .action(
      (
        name: string,
        opts: {
          audio: string[];
          attest?: string;
          purpose: string;
          consent?: string;
          statement?: string;
          clean?: boolean;
          language: string;
          tag?: string[];
          json?: boolean;
        },
      ) =>
        withCore(getDataDir, async (call) => {
          checkConsentOptions(opts, 'A voice');
          const done = (v: LibraryVoice) => {
            if (opts.json) return void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
            const c = v.consent;
            process.stdout.write(
              `Added ${v.voiceId} "${v.name}" (${v.samples.reduce((n, x) => n + x.seconds, 0).toFixed(1)} s in ${v.samples.length} sample(s); consent ${c?.status === 'verified' ? 'verified by statement' : 'attested, not verified'})\n` +
                (v.engines.length
                  ? ''
                  : 'No cloning model pack is installed yet: after `timbre models download pocket-tts` the voice is cloned from its samples the first time it is used (nothing to add again).\n'),
            );
          };
          const staged: StagedAudio[] = [];
          try {
            for (const file of opts.audio) {
              let s: StagedAudio;
              try {
                s = await call<StagedAudio>('voiceAudio.stage', { path: file });
              } catch (err) {
                // Without the VAD pack, a plain attested import still works (no quality report).
                const missing = (err as { details?: { missingPacks?: string[] } }).details?.missingPacks;
                if (missing && opts.attest && !opts.clean && opts.audio.length === 1)
                  return done(
                    await call<LibraryVoice>('library.import', {
                      name,
                      path: file,
                      language: opts.language,
                      tags: opts.tag ?? [],
                      attest: { name: opts.attest, purpose: opts.purpose },
                    }),
                  );
                throw err;
              }
              staged.push(s);
              if (!opts.json) printReport(file, s);
              if (opts.clean) {
                const c = await call<StagedAudio>('voiceAudio.clean', {
                  stagingId: s.stagingId,
                  trim: true,
                  denoise: true,
                  normalize: true,
                  // A long recording (over the 5-minute sample limit) gives its clearest 5–30 s.
                  ...(s.durationSeconds > 5 * 60 ? { window: 'best' as const } : {}),
                });
                staged.push(c);
                if (!opts.json) printReport(`${file} (cleaned)`, c);
              }
            }
            const samples = staged.filter((s) => !opts.clean || s.source === 'clean').map((s) => s.stagingId);
            const consent = opts.consent
              ? await statementConsent(call, opts.consent, opts.statement!, staged, !!opts.json)
              : { kind: 'attest', name: opts.attest, purpose: opts.purpose };
            done(
              await call<LibraryVoice>('library.create', {
                name,
                language: opts.language,
                tags: opts.tag ?? [],
                stagingIds: samples,
                consent,
              }),
            );
          } finally {
            // Whatever was not used up by the new voice goes now, not in 24 h.
            for (const s of staged) await call('voiceAudio.discard', { stagingId: s.stagingId }).catch(() => undefined);
          }
        }),
    );

  voices
    .command('export')
    .description('export a voice (samples and consent record) as one passphrase-protected .timbrevoice file')
    .argument('<id>', 'voice id (library:<id> or <id>)')
    .option('-o, --output <file>', 'where to write it (default: <data dir>/exports/)')
    .action((id: string, opts: { output?: string }) =>
      withCore(getDataDir, async (call) => {
        const passphrase = await voicePassphrase(true);
        const r = await call<{ path: string; bytes: number }>('library.export', {
          id: id.replace(/^library:/, ''),
          passphrase,
          ...(opts.output ? { path: path.resolve(opts.output) } : {}),
        });
        process.stdout.write(`Exported ${id} to ${r.path} (${(r.bytes / 1024).toFixed(0)} kB)\n`);
      }),
    );

  voices
    .command('import')
    .description('import a voice from a .timbrevoice file')
    .argument('<file>', 'the .timbrevoice file')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: { json?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const passphrase = await voicePassphrase(false);
        const v = await call<LibraryVoice>('library.importFile', { path: path.resolve(file), passphrase });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
        process.stdout.write(
          `Imported ${v.voiceId} "${v.name}" (${v.samples.length} sample(s); consent ${v.consent?.status ?? 'missing'})\n`,
        );
      }),
    );

  voices
    .command('remove')
    .description('erase a voice: its recordings, cloning data and consent record')
    .argument('<id>', 'voice id (library:<id> or <id>)')
    .option('--delete-takes', 'also delete the takes made with it')
    .action((id: string, opts: { deleteTakes?: boolean }) =>
      withCore(getDataDir, async (call) => {
        const r = await call<{ takesDeleted: number }>('library.delete', {
          id: id.replace(/^library:/, ''),
          deleteTakes: Boolean(opts.deleteTakes),
        });
        process.stdout.write(`Erased ${id}${opts.deleteTakes ? ` and ${r.takesDeleted} take(s)` : ''}\n`);
      }),
    );
}
