/**
 * Issue #11 step 4 in Chromium against the real `timbre serve`: "Clone from this video" in the Dub view. A video made
 * with ffmpeg from real speech (tests/helpers/dub-clone-media.ts) is a dubbing project; for ANNA the dialog asks for
 * the consent (the button stays off until it is given), runs the clone with its progress, and shows the spans used
 * (times, SNR) and the total; ANNA is then mapped to the new library voice. For CARL (3.9 s of speech) the refusal
 * says how much was found. Console guard and axe.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import type { DubProjectDetail, LibraryVoice } from '../../preload/contract/index.js';
import { makeCloneMedia } from '../helpers/dub-clone-media.js';
import { ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { expectAccessible } from './axe.js';
import { guardPage, type PageGuard } from './console-guard.js';
import { startVirtualMic, type VirtualMic } from '../helpers/pulse';
import { spokenReading } from '../helpers/voices.js';
import { ensureBuilt, launchChromium } from './launch.js';

const MODELS = path.resolve(ROOT, '..', 'shared', 'models');
let server: ServerProcess;
let browser: Browser;
let page: Page;
let guard: PageGuard;
let cleanup: () => void;
let projectId: string;
let mic: VirtualMic | string;
let dir: string;

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir('timbre-dubclone-e2e-');
  cleanup = t.cleanup;
  dir = t.dir;
  // The virtual microphone exists before the server starts (the server inherits PULSE_SERVER): the statement test.
  mic = await startVirtualMic('timbre_dubclone');
  const { video, srt } = makeCloneMedia(t.dir);
  server = await startServer(path.join(t.dir, 'data'), {
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/timbre-e2e-bus',
  });
  await rpc('models.import', { path: path.join(MODELS, 'silero-vad'), acceptTerms: false });
  await rpc('vault.unlock', { passphrase: 'dub clone e2e passphrase' });
  projectId = (await rpc<DubProjectDetail>('dub.create', { media: { path: video }, targetSubs: { path: srt } })).id;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
  page = await context.newPage();
  guard = guardPage(page);
}, 120_000);

afterEach(() => guard.expectClean());

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  if (mic && typeof mic !== 'string') await mic.stop();
  cleanup?.();
});

describe('Clone from this video', () => {
  it('clones ANNA after the consent is given, shows the spans used and the total, and maps ANNA to the voice', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: 'Dub', exact: true }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('button', { name: 'Clone from this video: ANNA' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone ANNA from this video' });
    await dialog.waitFor();
    const start = dialog.getByRole('button', { name: 'Clone voice' });
    expect(await start.isDisabled()).toBe(true);
    await dialog.getByLabel('Name of the person whose voice this is').fill('Anna Example');
    await dialog.getByLabel('What they agreed to (purpose)').fill('Dub her lines of this talk');
    expect(await start.isDisabled()).toBe(true); // not without the confirmation
    await dialog.getByLabel('I confirm this person agreed that their voice may be cloned for this purpose.').check();
    await expectAccessible(page, 'clone dialog');
    await start.click();
    await dialog.getByRole('heading', { name: 'Speech used' }).waitFor({ timeout: 120_000 });
    const spans = await dialog.locator('.dub-clone-spans li').allTextContents();
    expect(spans).toHaveLength(3);
    for (const s of spans) expect(s).toMatch(/^\d+:\d\d\.\d–\d+:\d\d\.\d \(\d+\.\d s, SNR \d+ dB\)$/);
    const total = Number(/Total: (\d+\.\d) s/.exec((await dialog.textContent()) ?? '')![1]);
    expect(total).toBeGreaterThanOrEqual(10);
    expect(total).toBeLessThanOrEqual(30);
    await expectAccessible(page, 'clone result');

    const [voice] = await rpc<LibraryVoice[]>('library.list', {});
    expect(voice.name).toBe('ANNA (talk)');
    expect(voice.consent).toMatchObject({ status: 'attested', name: 'Anna Example' });
    const p = await rpc<DubProjectDetail>('dub.get', { projectId });
    expect(p.speakers.find((s) => s.name === 'ANNA')?.voiceId).toBe(voice.voiceId);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  }, 180_000);

  it('clones ANNA with a consent statement read into the microphone: the voice is made with a verified consent', async (ctx) => {
    if (typeof mic === 'string') return ctx.skip(mic);
    const m = mic;
    await page.getByRole('button', { name: 'Clone from this video: ANNA' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone ANNA from this video' });
    await dialog.getByLabel('Voice name').fill('ANNA verified');
    const start = dialog.getByRole('button', { name: 'Clone voice' });
    await dialog.getByRole('radio', { name: 'ANNA reads a consent statement into the microphone (verified)' }).check();
    // Only the statement is offered here (the dialog chose the method): no second method choice.
    expect(await dialog.getByRole('radio', { name: 'I attest that I hold the rights' }).count()).toBe(0);
    await dialog.getByLabel('Name of the voice owner', { exact: true }).fill('Anna Example');
    await dialog.getByRole('button', { name: 'Show the statement' }).click();
    const statement = dialog.locator('.statement-box blockquote');
    await statement.waitFor();
    const text = (await statement.innerText()).trim().replace(/\s+/g, ' ');
    expect(text).toContain('Anna Example');
    expect(await start.isDisabled()).toBe(true); // not before the statement is verified
    const reading = path.join(dir, 'statement.wav');
    writeFileSync(reading, await spokenReading(text));
    const verified = dialog.getByText('Consent verified.');
    // eSpeak's reading of an unlucky random verification word can be refused (consent-mic.e2e.test.ts): read again
    // once, as a user would.
    for (let attempt = 0; attempt < 2; attempt++) {
      await dialog.getByRole('button', { name: attempt ? 'Record again' : 'Record the statement' }).click();
      await dialog.locator('.take-state[data-state="recording"]').waitFor({ timeout: 20_000 });
      const played = await m.play(reading);
      expect(played.code, played.stderr).toBe(0);
      await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
      await dialog.locator('.verification').waitFor({ timeout: 90_000 });
      if (await verified.count()) break;
      console.warn(`statement refused once: ${await dialog.locator('.verification').innerText()}`);
    }
    await verified.waitFor({ timeout: 1000 });
    await expectAccessible(page, 'clone dialog, statement verified');
    await start.click();
    await dialog.getByRole('heading', { name: 'Speech used' }).waitFor({ timeout: 120_000 });
    const voice = (await rpc<LibraryVoice[]>('library.list', {})).find((v) => v.name === 'ANNA verified')!;
    expect(voice.consent).toMatchObject({ status: 'verified', method: 'statement' });
    const p = await rpc<DubProjectDetail>('dub.get', { projectId });
    expect(p.speakers.find((s) => s.name === 'ANNA')?.voiceId).toBe(voice.voiceId);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  }, 300_000);

  it('says how much speech was found when a speaker has too little, and creates nothing', async () => {
    guard.allow({ url: /\/api\/rpc$/, status: 400 }); // the refusal this test provokes on purpose
    await page.getByRole('button', { name: 'Clone from this video: CARL' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone CARL from this video' });
    await dialog.getByLabel('Name of the person whose voice this is').fill('Carl Example');
    await dialog.getByLabel('What they agreed to (purpose)').fill('Dub his line');
    await dialog.getByLabel('I confirm this person agreed that their voice may be cloned for this purpose.').check();
    await dialog.getByRole('button', { name: 'Clone voice' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: 120_000 });
    expect(await alert.textContent()).toMatch(/"CARL" has only \d\.\d s of usable speech in this video/);
    expect(await rpc<LibraryVoice[]>('library.list', {})).toHaveLength(typeof mic === 'string' ? 1 : 2);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  }, 120_000);
});
