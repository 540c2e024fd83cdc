/**
 * End-to-end: the Voices view against the real `timbre serve`, in headless Chromium, with the real Silero VAD and
 * GTCRN packs from ../shared/models. Imports an eval clip through the browser upload, reads its quality report,
 * cleans it and switches A/B, attests consent and saves it; records a second voice through a PulseAudio virtual
 * microphone (room-noise check, a paragraph, a consent statement with its verification); picks the voice in the
 * Studio; deletes it and checks the data folder; axe in light and dark, with screenshots (tests/e2e/shots.ts).
 *
 * The server runs without a reachable keychain (a dead D-Bus address), so voice data needs a passphrase: the test
 * unlocks it through the UI the first time Timbre asks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { startVirtualMic, type VirtualMic } from '../helpers/pulse';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
import { SHOTS } from './shots.js';
import { ensureBuilt, launchChromium } from './launch.js';
const MODELS = path.resolve(ROOT, '..', 'shared', 'models');
const SPEECH = path.resolve(ROOT, '..', 'shared', 'eval', 'speech', 'native');
const CLIP = path.join(SPEECH, 'ls_103-1240-0000.wav');
const READ = path.join(SPEECH, 'lj_LJ001-0001.wav');
const PASSPHRASE = 'e2e voice passphrase';
const VOICE = 'Karen narration';

let server: ChildProcess;
let dataDir: string;
let base: string;
let token: string;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let mic: VirtualMic | string;
const serverLog: string[] = [];
const pageErrors: string[] = [];

interface LibraryVoice {
  id: string;
  name: string;
  voiceId: string;
  tags: string[];
  consent: { status: string; method: string; name: string } | null;
  samples: { id: string }[];
}

/** `timbre serve` on a free port with extra environment; resolves with its URL and token. */
function spawnServer(
  dir: string,
  extraEnv: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; base: string; token: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'timbre.mjs'), 'serve', '--port', '0', '--data-dir', dir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...extraEnv },
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timbre serve printed no URL in 60 s:\n${out}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => serverLog.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Timbre studio: (http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: m[1], token: m[2] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`timbre serve exited with ${code}:\n${out}\n${serverLog.join('')}`));
    });
  });
}

async function stopServer(child: ChildProcess | undefined) {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const res = await fetch(`${base}/api/rpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ method, params }),
  });
  const body = (await res.json()) as { ok: true; result: T } | { ok: false; error: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function nav(name: string) {
  await page
    .getByRole('navigation')
    .getByRole('button', { name: new RegExp(`^${name}`) })
    .click();
}

async function setTheme(theme: 'Light' | 'Dark') {
  await nav('Settings');
  await page.getByRole('radio', { name: theme }).check();
  await poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme.toLowerCase());
}

const axe = (label: string) => expectAccessible(page, label);

async function shot(name: string) {
  for (const dismiss of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await dismiss.click();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

/** Every file under a folder (relative paths). */
function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel))) {
    const p = path.join(rel, name);
    if (statSync(path.join(dir, p)).isDirectory()) out.push(p + path.sep, ...walk(dir, p));
    else out.push(p);
  }
  return out;
}

/** expect.poll with room for a busy two-core machine (scrypt, ONNX, ffmpeg all take their time). */
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number; message?: string } = {}) =>
  expect.poll(fn, { timeout: 30_000, ...opts });

const wizard = () => page.getByRole('dialog', { name: 'New voice' });
const card = (name: string) => page.locator('.library-card', { has: page.getByRole('heading', { name, exact: true }) });

/** The first time voice data is touched without a keychain, Timbre asks for the passphrase. */
async function unlockIfAsked(scope: Locator) {
  const form = scope.locator('.vault-unlock');
  if (!(await form.isVisible())) return false;
  await form.getByLabel('Voice data passphrase', { exact: true }).fill(PASSPHRASE);
  await form.getByRole('button', { name: 'Unlock' }).click();
  await poll(() => form.isVisible(), { message: (await form.innerText().catch(() => '')).replace(/\s+/g, ' ') }).toBe(
    false,
  );
  return true;
}

/** Stage a file through the wizard's file input (web mode: an upload), unlocking voice data when asked. */
async function importThroughWizard(file: string) {
  const dialog = wizard();
  await dialog.locator('input[type="file"]').setInputFiles(file);
  const report = dialog.getByRole('heading', { name: 'Quality report' });
  await poll(
    async () =>
      (await report.isVisible()) ? 'report' : (await dialog.locator('.vault-unlock').isVisible()) ? 'locked' : '',
    { timeout: 60_000 },
  ).not.toBe('');
  const form = dialog.locator('.vault-unlock');
  if (await form.isVisible()) {
    // Said once, in plain words (no keychain or D-Bus jargon), and no second "cannot be used" error under the file.
    const said = await form.innerText();
    expect(said).not.toMatch(/keychain|d-?bus|secret service/i);
    expect(await dialog.locator('.drop-zone .field-error').count()).toBe(0);
  }
  // After the passphrase the upload goes on by itself: no need to pick the file again.
  if (await unlockIfAsked(dialog)) await report.waitFor({ timeout: 60_000 });
}

beforeAll(async () => {
  ensureBuilt();
  for (const f of [path.join(MODELS, 'silero-vad', 'silero_vad.onnx'), path.join(MODELS, 'gtcrn', 'gtcrn.onnx'), CLIP])
    if (!existsSync(f)) throw new Error(`missing test input: ${f}`);
  mkdirSync(SHOTS, { recursive: true });
  // The virtual microphone must exist before the server starts: the server inherits PULSE_SERVER.
  mic = await startVirtualMic('timbre_e2e');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-voices-'));
  // No keychain: voice data must be unlocked with a passphrase (the flow the UI offers).
  ({
    child: server,
    base,
    token,
  } = await spawnServer(dataDir, {
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/timbre-e2e-bus',
  }));
  await rpc('models.import', { path: path.join(MODELS, 'silero-vad'), acceptTerms: false });
  await rpc('models.import', { path: path.join(MODELS, 'gtcrn'), acceptTerms: false });
  browser = await launchChromium({ autoplay: true });
  // axe is injected as a <script>, which the page's CSP rightly refuses: this context bypasses it.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    locale: 'en-US',
    colorScheme: 'light',
    bypassCSP: true,
  });
  page = await context.newPage();
  guard = guardPage(page);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/#token=${token}`);
  await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
}, 180_000);

afterEach(async (ctx) => {
  // A failing step leaves a picture of the page behind for whoever reads the log.
  if (ctx.task.result?.state === 'fail' && page)
    await page.screenshot({ path: path.join(os.tmpdir(), `timbre-voices-e2e-${ctx.task.name.slice(0, 40)}.png`) });
});

// Any console error or failed response fails the test it happened in (tests/e2e/console-guard.ts).
afterEach(() => guard?.expectClean());

afterAll(async () => {
  await browser?.close();
  await stopServer(server);
  if (mic && typeof mic !== 'string') await mic.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('Voices view', () => {
  it('shows an empty library, the built-in voices and no microphone indicator', async () => {
    await nav('Voices');
    await page.getByRole('heading', { name: 'Voices', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'No voices of your own yet' }).waitFor();
    await page.getByRole('heading', { name: 'Built-in voices' }).waitFor();
    await poll(() => page.locator('.voice-card').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('mic-indicator').count()).toBe(0);
  });

  it('imports an eval clip through the browser upload and shows its quality report', async () => {
    await page.getByRole('button', { name: 'New voice' }).first().click();
    const dialog = wizard();
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: /Import a recording/ }).isChecked()).toBe(true);
    // No cloning pack here: the wizard says so at its start, with the one click that gets it.
    await dialog.getByRole('note').filter({ hasText: 'No voice-cloning pack is installed yet.' }).waitFor();
    await dialog.getByRole('button', { name: /^Get .+ in Models$/ }).waitFor();
    // No keychain here: the first upload finds voice data locked (a 423 this test provokes on purpose).
    guard.allow({ url: /\/api\/(uploads|rpc)/, status: 423 });
    await importThroughWizard(CLIP);
    const facts = dialog.locator('.quality-facts');
    const fact = async (name: string) =>
      (await facts.locator('div', { hasText: name }).locator('dd').innerText()).trim();
    // ls_103-1240-0000: 14.1 s of a single reader at 16 kHz.
    expect(await fact('Length')).toMatch(/^14(\.\d)? s$/);
    expect(Number.parseFloat(await fact('Speech'))).toBeGreaterThan(8);
    expect(await fact('Sample rate')).toBe('16 kHz · 1 channel');
    expect(await fact('Signal to noise')).toMatch(/dB|not measurable/);
    const advice = dialog.getByRole('list', { name: 'Advice' }).getByRole('listitem');
    expect(await advice.count()).toBeGreaterThan(0);
    // Advice is translated plain text, never a machine code.
    for (const text of await advice.allInnerTexts()) expect(text).not.toMatch(/^[a-z-]+$/);
    // The waveform loaded the staged audio (decrypted on the fly by the media route).
    await poll(() => dialog.getByRole('button', { name: 'Play the Original audio' }).isEnabled(), {
      timeout: 30_000,
    }).toBe(true);
  });

  it('draws the review waveform under the real CSP without a violation', async () => {
    // The suite's page bypasses CSP (for axe): this one has the page's own policy, as a user's browser does.
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    const p = await context.newPage();
    const strict = guardPage(p);
    try {
      await p.goto(`${base}/#token=${token}`);
      await p
        .getByRole('navigation')
        .getByRole('button', { name: /^Voices/ })
        .click();
      await p.getByRole('button', { name: 'New voice' }).first().click();
      const dialog = p.getByRole('dialog', { name: 'New voice' });
      await dialog.locator('input[type="file"]').setInputFiles(CLIP);
      await poll(() => dialog.getByRole('button', { name: 'Play the Original audio' }).isEnabled(), {
        timeout: 60_000,
      }).toBe(true);
      // wavesurfer's rules arrive as an adopted style sheet, not an inline <style> the policy refuses.
      expect(
        await dialog
          .locator('.waveform > div')
          .first()
          .evaluate((el) => el.shadowRoot?.adoptedStyleSheets.length ?? 0),
      ).toBeGreaterThan(0);
      await p.keyboard.press('Escape');
      strict.expectClean();
    } finally {
      await context.close();
    }
  });

  it('cleans it up (denoise, trim, normalise, a trim window) and switches A/B at the same position', async () => {
    const dialog = wizard();
    await dialog.getByRole('checkbox', { name: /Keep only the selected part/ }).check();
    const start = dialog.getByRole('spinbutton', { name: 'Start (seconds)' });
    const end = dialog.getByRole('spinbutton', { name: 'End (seconds)' });
    await start.fill('1');
    await end.fill('13');
    expect(Number(await start.inputValue())).toBe(1);
    // The trim window is drawn on the waveform (wavesurfer Regions), at the typed times.
    const region = dialog.locator('.waveform [part~="region"]');
    await poll(() => region.count()).toBe(1);
    const box = (await dialog.locator('.waveform').boundingBox())!;
    const r = (await region.boundingBox())!;
    expect((r.x - box.x) / box.width).toBeCloseTo(1 / 14.085, 1);
    expect((r.x + r.width - box.x) / box.width).toBeCloseTo(13 / 14.085, 1);
    await dialog.getByRole('button', { name: 'Apply clean-up' }).click();
    const cleaned = dialog.getByRole('radio', { name: 'Cleaned' });
    await cleaned.waitFor({ timeout: 120_000 });
    await dialog.getByText('Cleaned: the report below describes the cleaned audio.').first().waitFor();
    const length = await dialog.locator('.quality-facts div', { hasText: 'Length' }).locator('dd').innerText();
    // The cleaned audio comes from the 12 s window, with silences trimmed.
    expect(Number.parseFloat(length)).toBeLessThanOrEqual(12.1);
    expect(Number.parseFloat(length)).toBeGreaterThan(5);
    const loudness = await dialog.locator('.quality-facts div', { hasText: 'Loudness' }).locator('dd').innerText();
    expect(Number.parseFloat(loudness.replace('−', '-'))).toBeCloseTo(-20, 0);

    // Play the original a little, then switch to the cleaned version: same position (minus the window start).
    await dialog.getByRole('button', { name: 'Play the Original audio' }).click();
    await poll(() => dialog.locator('.compare .take-time').innerText(), { timeout: 20_000 }).toMatch(/^0:0[3-9]/);
    await cleaned.check();
    await poll(() => dialog.locator('.waveform').getAttribute('data-which')).toBe('cleaned');
    await poll(() => dialog.getByRole('button', { name: /the Cleaned audio$/ }).isEnabled(), { timeout: 30_000 }).toBe(
      true,
    );
    // The cleaned version opens where the original was (its load briefly starts at 0:00 on a busy machine).
    await poll(() => dialog.locator('.compare .take-time').innerText(), { timeout: 10_000 }).not.toMatch(/^0:00/);
    await dialog.getByRole('button', { name: /the Cleaned audio$/ }).click();
    await dialog
      .getByRole('button', { name: 'Pause the Cleaned audio' })
      .click({ timeout: 10_000 })
      .catch(() => {});
    await dialog.getByRole('radio', { name: 'Original' }).check();
    await poll(() => dialog.locator('.waveform').getAttribute('data-which')).toBe('original');
    await poll(() => region.count()).toBe(1);
    await axe('Review step (Light)');
    await page.screenshot({ path: path.join(SHOTS, 'voices-review-light.png') });
  });

  it('attests consent for the imported audio and saves the voice', async () => {
    const dialog = wizard();
    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByRole('radio', { name: 'I attest that I hold the rights' }).check();
    const next = dialog.getByRole('button', { name: 'Next' });
    expect(await next.isDisabled()).toBe(true);
    await dialog.getByLabel('Your full name', { exact: true }).fill('Karen Savage');
    await dialog.getByLabel('Purpose', { exact: true }).fill('Narration of public-domain books');
    expect(await next.isDisabled()).toBe(true);
    await dialog.getByRole('checkbox', { name: /I am the voice owner/ }).check();
    await next.click();
    await dialog.getByLabel('Voice name', { exact: true }).fill(VOICE);
    await dialog.getByLabel('Tags', { exact: true }).fill('warm, narration');
    expect(await dialog.locator('.save-summary').innerText()).toContain('Attested, not verified');
    await dialog.getByRole('button', { name: 'Save voice' }).click();
    await poll(() => dialog.isVisible(), { timeout: 120_000 }).toBe(false);

    const c = card(VOICE);
    await c.waitFor();
    expect(await c.locator('.consent-badge').innerText()).toBe('Attested, not verified');
    expect(await c.locator('.tag').allInnerTexts()).toEqual(['warm', 'narration']);
    expect(await c.innerText()).toContain('1 sample');
    // No cloning pack here: the card says what is missing.
    expect(await c.innerText()).toContain('Needs a cloning pack');
    expect(await c.getByRole('button', { name: `Preview ${VOICE}` }).isDisabled()).toBe(true);

    const [voice] = await rpc<LibraryVoice[]>('library.list', {});
    expect(voice).toMatchObject({ name: VOICE, tags: ['warm', 'narration'] });
    expect(voice.consent).toMatchObject({ status: 'attested', method: 'attestation', name: 'Karen Savage' });
  });

  it('renames the voice inline', async () => {
    await page.getByRole('button', { name: `Rename ${VOICE}` }).click();
    const input = page.getByRole('textbox', { name: 'Voice name' });
    await input.fill('Temp name');
    await input.press('Escape');
    await card(VOICE).waitFor();
    await page.getByRole('button', { name: `Rename ${VOICE}` }).click();
    await input.fill(`${VOICE} II`);
    await input.press('Enter');
    await card(`${VOICE} II`).waitFor();
    expect((await rpc<LibraryVoice[]>('library.list', {}))[0].name).toBe(`${VOICE} II`);
    await page.getByRole('button', { name: `Rename ${VOICE} II` }).click();
    await input.fill(VOICE);
    await input.press('Enter');
    await card(VOICE).waitFor();
  });

  it('records a voice through a virtual microphone: room noise, a paragraph, a verified consent statement', async (ctx) => {
    if (typeof mic === 'string') ctx.skip();
    const m = mic as VirtualMic;
    // Unlocked through the UI by the import test already; again here so this test also runs on its own.
    await rpc('vault.unlock', { passphrase: PASSPHRASE });
    await page.getByRole('button', { name: 'New voice' }).first().click();
    const dialog = wizard();
    await dialog.getByRole('radio', { name: /Record with the microphone/ }).check();
    const device = dialog.getByRole('combobox', { name: 'Microphone' });
    await device.waitFor({ timeout: 20_000 });
    expect(await device.locator('option').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining(m.source)]),
    );
    await dialog.getByRole('button', { name: 'Start the session' }).click();

    // Room noise: 3 s of silence (nothing plays into the null sink).
    await dialog.getByRole('button', { name: 'Check the room' }).click();
    await page.getByTestId('mic-indicator').waitFor({ timeout: 10_000 });
    await dialog.getByText(/Noise floor: .* dBFS/).waitFor({ timeout: 20_000 });
    await poll(() => page.getByTestId('mic-indicator').count(), { timeout: 10_000 }).toBe(0);

    // Paragraph 1: play a known recording into the virtual microphone while recording.
    await dialog.getByRole('button', { name: 'Record paragraph 1' }).click();
    await page.getByTestId('mic-indicator').waitFor();
    expect(await page.getByTestId('mic-indicator').innerText()).toContain('Microphone on');
    // The wizard is a modal over the app: it shows the indicator in its own header too.
    expect(await dialog.getByTestId('mic-indicator-inline').innerText()).toContain('Microphone on');
    const meter = dialog.getByRole('meter', { name: 'Input level' });
    await meter.waitFor();
    // Play once the device delivers audio (the indicator is on from the moment it starts opening).
    await dialog.locator('.take-state[data-state="recording"]').waitFor({ timeout: 20_000 });
    const played = m.play(READ);
    await poll(async () => Number(await meter.getAttribute('aria-valuenow')), { timeout: 15_000 }).toBeGreaterThan(-45);
    await dialog.getByRole('button', { name: 'Pause' }).click();
    await dialog.getByText('Paused', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Resume' }).click();
    await played;
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    await dialog.getByRole('button', { name: 'Retake paragraph 1' }).waitFor({ timeout: 20_000 });
    // The take's SNR against the room-noise recording.
    const snr = dialog.locator('[data-snr]');
    await snr.waitFor({ timeout: 30_000 });
    expect(await snr.innerText()).toMatch(/^SNR -?\d+ dB: (clean|acceptable|noisy room)$/);
    await poll(() => page.getByTestId('mic-indicator').count()).toBe(0);

    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByRole('heading', { name: 'Quality report' }).waitFor({ timeout: 60_000 });
    const speech = await dialog.locator('.quality-facts div', { hasText: 'Speech' }).locator('dd').innerText();
    expect(Number.parseFloat(speech)).toBeGreaterThan(4);
    await dialog.getByRole('button', { name: 'Next' }).click();

    // Consent statement: generated text with highlighted words, recorded and verified per check.
    expect(await dialog.getByRole('radio', { name: 'The owner reads a consent statement' }).isChecked()).toBe(true);
    await dialog.getByLabel('Name of the voice owner', { exact: true }).fill('Linda Johnson');
    await dialog.getByRole('button', { name: 'Show the statement' }).click();
    const statement = dialog.locator('.statement-box blockquote');
    await statement.waitFor();
    expect(await statement.innerText()).toContain('Linda Johnson');
    expect(await statement.locator('mark').count()).toBeGreaterThan(0);
    // The owner "reads" it: eSpeak speaks the generated text into the virtual microphone.
    const text = (await statement.innerText()).trim();
    // (Its own data folder: a second core on the server's folder would sweep the server's temporary files.)
    const sayDir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-say-'));
    const spoken = path.join(sayDir, 'statement.wav');
    const say = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'timbre.mjs'),
        'say',
        '--data-dir',
        dataDir,
        '--voice',
        'espeak:en-us',
        '-o',
        spoken,
        text,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(say.status, say.stderr).toBe(0);
    await dialog.getByRole('button', { name: 'Record the statement' }).click();
    await page.getByTestId('mic-indicator').waitFor();
    await dialog.locator('.take-state[data-state="recording"]').waitFor({ timeout: 20_000 });
    await m.play(spoken);
    rmSync(sayDir, { recursive: true, force: true });
    await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
    const checks = dialog.getByRole('list', { name: 'Verification' });
    await checks.waitFor({ timeout: 60_000 });
    const rows = await checks.getByRole('listitem').allInnerTexts();
    expect(rows.find((r) => r.startsWith('Speech duration'))).toContain('Passed');
    // The embedded aligner checks the words (no pack needed) and shows them word by word; no speaker pack here:
    // that check says so, and does not block.
    expect(rows.find((r) => r.startsWith('Verification words'))).toContain('Passed');
    expect(await checks.locator('[data-check="words"] .aw').count()).toBeGreaterThan(40);
    expect(rows.find((r) => r.startsWith('Same speaker'))).toContain('Not checked');
    await dialog.getByText('Consent verified.').waitFor();
    await axe('Consent step (Light)');
    await page.screenshot({ path: path.join(SHOTS, 'voices-consent-light.png') });
    await dialog.getByRole('button', { name: 'Next' }).click();
    expect(await dialog.locator('.save-summary').innerText()).toContain('Consent verified');
    await dialog.getByLabel('Voice name', { exact: true }).fill('Recorded voice');
    await dialog.getByRole('button', { name: 'Save voice' }).click();
    await poll(() => dialog.isVisible(), { timeout: 120_000 }).toBe(false);
    const recorded = card('Recorded voice');
    await recorded.waitFor();
    expect(await recorded.locator('.consent-badge').innerText()).toBe('Consent verified');
    const voice = (await rpc<LibraryVoice[]>('library.list', {})).find((v) => v.name === 'Recorded voice');
    expect(voice?.consent).toMatchObject({ status: 'verified', method: 'statement', name: 'Linda Johnson' });
  });

  it('offers the library voice in the Studio voice picker, marked unavailable without a cloning pack', async () => {
    const project = await rpc<{ id: string }>('projects.create', { name: 'Voice library test' });
    await rpc('lines.add', { projectId: project.id, text: 'Hello from my own voice.' });
    const [voice] = (await rpc<LibraryVoice[]>('library.list', {})).filter((v) => v.name === VOICE);
    await nav('Projects');
    await page.getByRole('button', { name: 'Open Voice library test' }).click();
    await page.getByRole('button', { name: /^Project voice:/ }).click();
    await page.getByRole('combobox', { name: 'Search voices' }).fill('Karen');
    // No cloning pack is installed here: the voice is listed, disabled, with why and what to do.
    const option = page.getByRole('option', { name: new RegExp(VOICE) });
    expect(await option.getAttribute('aria-disabled')).toBe('true');
    expect(await option.innerText()).toContain('needs a voice-cloning model pack');
    await option.click({ force: true }); // Playwright refuses to click what is disabled: this is the user trying
    await page.keyboard.press('Enter');
    expect(await rpc<{ voiceId: string | null }>('projects.get', { id: project.id })).toMatchObject({ voiceId: null });
    await page.keyboard.press('Escape');
    // Chosen before the pack went (here: through the API), generating refuses at once, saying what to do.
    await rpc('projects.setVoice', { id: project.id, voiceId: voice.voiceId });
    await poll(() => page.getByRole('button', { name: /^Project voice:/ }).innerText()).toContain(VOICE);
    guard.allow({ url: /\/api\/rpc$/, status: 424 }); // the refused generation
    await page.getByRole('button', { name: 'Generate line 1' }).click();
    await page
      .getByText(/needs a voice-cloning model pack to speak\. Install Pocket TTS in Models/)
      .first()
      .waitFor();
  });

  it('duplicates a voice, and exports one to a .timbrevoice file that imports back', async () => {
    await nav('Voices');
    await page.getByRole('button', { name: `Duplicate ${VOICE}` }).click();
    const copy = card(`${VOICE} (copy)`);
    await copy.waitFor();
    expect(await copy.locator('.consent-badge').innerText()).toBe('Attested, not verified');
    await page.getByRole('button', { name: `Delete ${VOICE} (copy)` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete “${VOICE} (copy)”?` });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await poll(() => copy.count()).toBe(0);

    await page.getByRole('button', { name: 'Export Recorded voice' }).click();
    const exp = page.getByRole('dialog', { name: 'Export “Recorded voice”' });
    await exp.getByLabel('Passphrase', { exact: true }).fill('short');
    await exp.getByRole('button', { name: 'Export file' }).click();
    await exp.getByText('Use at least 8 characters').waitFor();
    await exp.getByLabel('Passphrase', { exact: true }).fill('export passphrase 1');
    await exp.getByLabel('Repeat the passphrase', { exact: true }).fill('export passphrase 1');
    await exp.getByRole('button', { name: 'Export file' }).click();
    const saved = exp.locator('.export-done code');
    await saved.waitFor({ timeout: 60_000 });
    const file = await saved.innerText();
    expect(file.endsWith('.timbrevoice')).toBe(true);
    expect(existsSync(file)).toBe(true);
    await exp.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Import .timbrevoice' }).click();
    const imp = page.getByRole('dialog', { name: 'Import a voice file' });
    await imp.getByLabel('Voice file', { exact: true }).setInputFiles(file);
    guard.allow({ url: /\/api\/rpc$/, status: 400 }); // the wrong passphrase this test tries on purpose
    await imp.getByLabel('Passphrase', { exact: true }).fill('wrong passphrase');
    await imp.getByRole('button', { name: 'Import', exact: true }).click();
    await imp.getByText(/^Could not import the voice file: /).waitFor({ timeout: 60_000 });
    await imp.getByLabel('Passphrase', { exact: true }).fill('export passphrase 1');
    await imp.getByRole('button', { name: 'Import', exact: true }).click();
    await poll(() => imp.isVisible(), { timeout: 60_000 }).toBe(false);
    await poll(() => card('Recorded voice').count()).toBe(2);
  });

  it('cleans up any media with the Clean up audio tool and offers the WAV', async () => {
    await nav('Voices');
    await page.getByRole('button', { name: 'Clean up audio' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clean up audio' });
    await dialog.locator('input[type="file"]').setInputFiles(READ);
    await dialog.getByRole('heading', { name: 'Quality report' }).waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Apply clean-up' }).click();
    const link = dialog.getByRole('link', { name: 'Download the cleaned WAV' });
    await link.waitFor({ timeout: 120_000 });
    const href = await link.getAttribute('href');
    expect(href).toMatch(/\/api\/media\/staging\/[A-Za-z0-9_-]+\.wav\?token=/);
    const res = await fetch(href!);
    expect(res.status).toBe(200);
    const wav = Buffer.from(await res.arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.length).toBeGreaterThan(44 + 16_000);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await poll(() => dialog.isVisible()).toBe(false);
  });

  it('passes axe and looks right in light and dark', async () => {
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(theme);
      await nav('Voices');
      await card(VOICE).waitFor();
      await axe(`Voices (${theme})`);
      await shot(`voices-${theme.toLowerCase()}`);
      await page.getByRole('button', { name: 'New voice' }).first().click();
      await wizard()
        .getByRole('radio', { name: /Import a recording/ })
        .waitFor();
      await axe(`New voice wizard (${theme})`);
      await page.keyboard.press('Escape');
      await poll(() => wizard().isVisible()).toBe(false);
    }
    await setTheme('Light');
  });

  it('deletes the voice and its files from the data folder', async () => {
    await nav('Voices');
    const voice = (await rpc<LibraryVoice[]>('library.list', {})).find((v) => v.name === VOICE)!;
    const before = walk(dataDir).filter((p) => p.includes(voice.id));
    expect(before.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: `Delete ${VOICE}` }).click();
    const confirm = page.getByRole('dialog', { name: `Delete “${VOICE}”?` });
    await confirm.waitFor();
    // The choice is offered unless Timbre knows there are no takes made with the voice.
    const withTakes = confirm.getByRole('checkbox', { name: /^Also delete the .*takes? made with this voice$/ });
    if (await withTakes.count()) await withTakes.check();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await poll(() => card(VOICE).count()).toBe(0);
    expect((await rpc<LibraryVoice[]>('library.list', {})).map((v) => v.name)).not.toContain(VOICE);
    expect(walk(dataDir).filter((p) => p.includes(voice.id))).toEqual([]);
    expect(existsSync(path.join(dataDir, 'voices', voice.id))).toBe(false);
  });

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('Voices view on a computer that cannot record', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  let emptyPath: string;

  afterAll(async () => {
    await stopServer(child);
    for (const d of [dir, emptyPath]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('says why recording is impossible and how to fix it, and offers import instead', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-norec-'));
    // A PATH with no sox and no arecord: the recorder program is missing.
    emptyPath = mkdtempSync(path.join(os.tmpdir(), 'timbre-e2e-path-'));
    const s = await spawnServer(dir, { PATH: emptyPath });
    child = s.child;
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(`${s.base}/#token=${s.token}`);
    await p
      .getByRole('navigation')
      .getByRole('button', { name: /^Voices/ })
      .click();
    await p.getByRole('button', { name: 'New voice' }).first().click();
    const dialog = p.getByRole('dialog', { name: 'New voice' });
    await dialog.getByRole('radio', { name: /Record with the microphone/ }).check();
    const problem = dialog.getByRole('alert').filter({ hasText: 'Recording is not possible right now' });
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.innerText()).toMatch(/No audio recorder program is installed: .*sox/i);
    expect(await dialog.getByRole('button', { name: 'Start the session' }).isDisabled()).toBe(true);
    await dialog.getByRole('radio', { name: /Import a recording/ }).check();
    await dialog.getByRole('button', { name: 'Choose a file…' }).waitFor();
    // Imported audio goes on to consent, where reading the statement needs a microphone: disabled, saying why.
    const imported = await fetch(`${s.base}/api/rpc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${s.token}` },
      body: JSON.stringify({
        method: 'models.import',
        params: { path: path.join(MODELS, 'silero-vad'), acceptTerms: false },
      }),
    });
    expect(imported.status).toBe(200);
    await dialog.locator('input[type="file"]').setInputFiles(CLIP);
    const report = dialog.getByRole('heading', { name: 'Quality report' });
    await poll(
      async () =>
        (await report.isVisible()) ? 'report' : (await dialog.locator('.vault-unlock').isVisible()) ? 'locked' : '',
      { timeout: 60_000 },
    ).not.toBe('');
    if (await unlockIfAsked(dialog)) await report.waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Next', exact: true }).click();
    const statement = dialog.getByRole('radio', { name: /^The owner reads a consent statement/ });
    await statement.waitFor();
    expect(await statement.isDisabled()).toBe(true);
    await dialog
      .getByText(
        'Not available here: the owner reads the statement into a microphone, and Timbre cannot record on this computer.',
      )
      .waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await poll(() => dialog.isVisible()).toBe(false);
    await p.close();
    expect(pageErrors).toEqual([]);
  });
});
