/**
 * End-to-end: the ACX audiobook preset in the Studio's export dialog, in Chromium against the real `timbre serve`,
 * real eSpeak takes and the real exporter. A two-chapter book (script import with `#` headings) is generated; the
 * dialog's ACX preset locks format, rate, bit-rate mode and channels to the preset's values, makes subtitles and stems
 * unavailable and says why; the export's report lists one file per chapter with every check passed or failed. The
 * files are checked independently with ffprobe (44.1 kHz, CBR ≥ 192 kbps, duration ≈ the chapter plus room tone).
 * Then one chapter's take gets a noisy floor on disk and "Export again" shows that chapter failing its noise-floor
 * check, by name, in the report view. axe runs with the report open.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { decodeWav, encodeWav } from '../../native-models/audio/wav.js';
import { expectAccessible } from './axe.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBuilt, launchChromium } from './launch.js';

const BOOK = 'The Mill';
const SCRIPT = [
  '# The River',
  'The mill stood by the river.',
  'Nobody worked it.',
  '',
  '# Bread',
  'Mr. Baker came at dawn.',
].join('\n');
const FILES = ['01 - The River.mp3', '02 - Bread.mp3'];
const CHECKS = [
  'format',
  'sample-rate',
  'bitrate',
  'constant-bitrate',
  'rms',
  'peak',
  'noise-floor',
  'head',
  'tail',
] as const;

interface Line {
  id: string;
  chapter: string | null;
  activeTakeId: string | null;
}
interface ExportJob {
  id: string;
  status: string;
  files: { path: string; kind: string }[];
  acx?: { pass: boolean; files: { file: string; pass: boolean; durationSeconds: number }[] };
}
interface TimelineData {
  lines: { lineId: string; start: number; end: number }[];
}

let server: ServerProcess;
let browser: Browser;
let page: Page;
let dataDir: string;
let cleanup: () => void;
let projectId: string;
let lines: Line[];
const pageErrors: string[] = [];

async function rpc<T>(method: string, params: unknown): Promise<T> {
  const r = await server.rpc<T>(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.result;
}

function probe(file: string) {
  const j = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_name,sample_rate,channels,bit_rate:format=duration',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as {
    streams: { codec_name: string; sample_rate: string; channels: number; bit_rate: string }[];
    format: { duration: string };
  };
  return { ...j.streams[0], duration: Number(j.format.duration) };
}

/** Sizes of the MP3's audio packets: constant bit rate means one size (give or take the padding byte). */
function packetSizes(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=size', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  return [
    ...new Set(
      out
        .split('\n')
        .map((l) => Number.parseInt(l, 10))
        .filter((n) => Number.isFinite(n)),
    ),
  ].sort((a, b) => a - b);
}

/** The rows of the report view: file name, result, and each check's id and pass/fail. */
async function reportRows(report: Locator) {
  return report.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => ({
      file: r.querySelector('.acx-file')?.textContent ?? '',
      pass: r.getAttribute('data-pass'),
      result: r.children[1]?.textContent ?? '',
      checks: [...r.querySelectorAll('[data-check]')].map((c) => ({
        id: c.getAttribute('data-check'),
        pass: c.getAttribute('data-pass'),
        text: c.textContent ?? '',
      })),
    })),
  );
}

beforeAll(async () => {
  ensureBuilt();
  const t = tempDir('timbre-acx-e2e-');
  cleanup = t.cleanup;
  dataDir = t.dir;
  server = await startServer(dataDir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'en-US', colorScheme: 'light' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.proc.kill('SIGTERM');
  cleanup?.();
});

describe('ACX audiobook preset in the export dialog', () => {
  it('generates a two-chapter book from a script with chapter headings', async () => {
    // The book: two chapters from the script's headings, every line spoken by the real eSpeak engine.
    projectId = (await rpc<{ id: string }>('projects.create', { name: BOOK })).id;
    await rpc('projects.setVoice', { id: projectId, voiceId: 'espeak:en-us' });
    await rpc('script.import', { projectId, source: { text: SCRIPT, format: 'md' }, split: 'sentence' });
    await rpc('jobs.generate', { projectId });
    await expect
      .poll(
        async () =>
          (lines = (await rpc<{ lines: Line[] }>('projects.get', { id: projectId })).lines).every(
            (l) => l.activeTakeId,
          ),
        { timeout: 60_000 },
      )
      .toBe(true);
    expect(lines.map((l) => l.chapter)).toEqual(['The River', null, 'Bread']);
  }, 90_000);

  it('locks the preset’s settings, says why, and exports one checked MP3 per chapter', async () => {
    await page.goto(`${server.url}/#token=${server.token}`);
    await page.getByRole('button', { name: `Open ${BOOK}` }).click();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export the episode' });
    const format = dialog.getByRole('combobox', { name: 'Format' });
    const rate = dialog.getByRole('combobox', { name: 'Sample rate' });
    const channels = dialog.getByRole('combobox', { name: 'Channels' });
    const stems = dialog.getByRole('combobox', { name: 'Stems' });
    const srt = dialog.getByRole('checkbox', { name: 'SRT' });
    const vtt = dialog.getByRole('checkbox', { name: 'WebVTT' });
    // Custom settings that the preset must override: WAV, 48 kHz, stereo, SRT and stems.
    await format.selectOption('wav24');
    await rate.selectOption('48000');
    await channels.selectOption('2');
    await stems.selectOption('line');
    await srt.check();
    await expect.poll(() => srt.isChecked()).toBe(true);

    await dialog.getByRole('combobox', { name: 'Preset' }).selectOption('acx');
    // The settings stay visible, locked at the preset's values; subtitles and stems are unavailable.
    for (const c of [format, rate, channels, stems, srt, vtt]) await expect.poll(() => c.isDisabled()).toBe(true);
    expect(await format.inputValue()).toBe('mp3cbr');
    expect(await rate.inputValue()).toBe('44100');
    expect(await channels.inputValue()).toBe('1');
    expect(await stems.inputValue()).toBe('none');
    expect(await srt.isChecked()).toBe(false);
    expect(await vtt.isChecked()).toBe(false);
    // Loudness and chapter markers do not apply (the preset sets its own level, one file per chapter): hidden.
    const loudness = dialog.getByRole('combobox', { name: 'Loudness' });
    const markers = dialog.getByRole('checkbox', { name: /chapter markers/i });
    await expect.poll(() => loudness.isVisible()).toBe(false);
    expect(await markers.isVisible()).toBe(false);
    // ... and the dialog says why, tied to the locked settings.
    const hint = dialog.getByTestId('acx-hint');
    const why = await hint.innerText();
    expect(why).toMatch(/44\.1 kHz/);
    expect(why).toMatch(/constant 192 kbps/);
    expect(why).toMatch(/mono/i);
    expect(why).toMatch(/no subtitles or stems/i);
    const hintId = await hint.getAttribute('id');
    const described = dialog.locator('fieldset[aria-describedby]');
    expect(await described.count()).toBe(1);
    expect(await described.getAttribute('aria-describedby')).toBe(hintId);
    expect(await described.getByRole('combobox', { name: 'Format' }).count()).toBe(1);
    // Back to custom: the user's own settings return, unlocked.
    await dialog.getByRole('combobox', { name: 'Preset' }).selectOption('none');
    await expect.poll(() => format.isDisabled()).toBe(false);
    expect([await format.inputValue(), await rate.inputValue(), await channels.inputValue()]).toEqual([
      'wav24',
      '48000',
      '2',
    ]);
    expect(await srt.isChecked()).toBe(true);
    expect(await loudness.isVisible()).toBe(true);
    expect(await markers.isVisible()).toBe(true);
    expect(await dialog.getByTestId('acx-hint').count()).toBe(0);
    await dialog.getByRole('combobox', { name: 'Preset' }).selectOption('acx');
    await expect.poll(() => format.inputValue()).toBe('mp3cbr');

    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const report = dialog.getByTestId('acx-report');
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.getByRole('status').innerText()).toBe('All 2 files pass every ACX check.');
    const rows = await reportRows(report);
    expect(rows.map((r) => r.file)).toEqual(FILES);
    for (const r of rows) {
      expect(r.pass).toBe('true');
      expect(r.result).toBe('Pass');
      expect(r.checks.map((c) => c.id)).toEqual(CHECKS);
      expect(r.checks.every((c) => c.pass === 'true' && c.text.startsWith('Pass'))).toBe(true);
    }
    // The file list shows the chapter files and the report, nothing else (no subtitles, no stems).
    expect(await dialog.locator('.export-file-name').allInnerTexts()).toEqual([...FILES, 'ACX report.txt']);
    await expectAccessible(page, 'export dialog with the ACX report');

    // The files themselves, measured independently of Timbre's checker.
    const job = (await rpc<ExportJob[]>('export.list', { projectId }))[0];
    expect(job.status).toBe('done');
    const audio = job.files.filter((f) => f.kind === 'audio').map((f) => f.path);
    expect(audio.map((f) => path.basename(f))).toEqual(FILES);
    const timeline = await rpc<TimelineData>('projects.timeline', { id: projectId });
    const at = (id: string) => timeline.lines.find((l) => l.lineId === id)!;
    const spans = [
      at(lines[1].id).end - at(lines[0].id).start, // chapter 1: lines 1–2
      at(lines[2].id).end - at(lines[2].id).start, // chapter 2: line 3
    ];
    for (const [i, file] of audio.entries()) {
      expect(existsSync(file)).toBe(true);
      const p = probe(file);
      expect(p.codec_name).toBe('mp3');
      expect(Number(p.sample_rate)).toBe(44_100);
      expect(p.channels).toBe(1);
      expect(Number(p.bit_rate)).toBeGreaterThanOrEqual(192_000);
      const sizes = packetSizes(file);
      expect(sizes[sizes.length - 1] - sizes[0]).toBeLessThanOrEqual(1);
      // The chapter's speech plus at most 0.75 s of head and 2 s of tail room tone (less where a take's own quiet
      // edges count), and the MP3 encoder's frame padding.
      expect(p.duration).toBeGreaterThan(spans[i]);
      expect(p.duration).toBeLessThan(spans[i] + 2.75 + 0.1);
      expect(Math.abs(p.duration - job.acx!.files[i].durationSeconds)).toBeLessThan(0.1);
    }
    const text = readFileSync(job.files.find((f) => f.kind === 'report')!.path, 'utf8');
    expect(text).toContain('All 2 file(s) pass every check.');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('names the failing check in the report view when a chapter’s recording has a noisy floor', async () => {
    // Chapter 2's take gets a steady hiss (white noise at −56 dBFS RMS) under and between the words, on disk.
    const file = path.join(dataDir, 'takes', projectId, `${lines[2].activeTakeId}.wav`);
    const w = decodeWav(readFileSync(file));
    let seed = 7;
    const amp = Math.pow(10, -56 / 20) * Math.sqrt(3);
    for (let i = 0; i < w.samples.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      w.samples[i] += (seed / 2 ** 32 - 0.5) * 2 * amp;
    }
    writeFileSync(file, encodeWav(w.samples, w.sampleRate));

    const dialog = page.getByRole('dialog', { name: 'Export the episode' });
    await dialog.getByRole('button', { name: 'Export again' }).click();
    const report = dialog.getByTestId('acx-report');
    await expect
      .poll(() => report.getByRole('status').innerText(), { timeout: 60_000 })
      .toBe('1 of 2 files fail at least one ACX check.');
    const rows = await reportRows(report);
    expect(rows.map((r) => [r.file, r.pass, r.result])).toEqual([
      [FILES[0], 'true', 'Pass'],
      [FILES[1], 'false', 'Fail'],
    ]);
    // The noise floor fails first (failed checks are listed first); the hiss, raised with the chapter's gain, can
    // also shorten the room tone the tail check finds after the last speech.
    const failed = rows[1].checks.filter((c) => c.pass === 'false');
    expect(failed[0]?.id, JSON.stringify(failed)).toBe('noise-floor');
    expect(
      failed.every((c) => ['noise-floor', 'head', 'tail'].includes(c.id ?? '')),
      JSON.stringify(failed),
    ).toBe(true);
    expect(failed[0].text).toMatch(/^Fail.*Noise floor -\d+\.\d dB is \d+\.\d dB above the maximum of -60\.0 dB/);
    await expectAccessible(page, 'export dialog with a failing ACX report');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
