/**
 * Pieces of the dub pipeline that need no ffmpeg: the ducking curve (fully down when the dub starts, smooth, back up
 * after it), edge-silence trimming, container language tags, output kinds; and the subtitle parser on random bytes
 * (only its own plain errors, never a crash or a hang).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containerLanguage, duckCurve, MIX_RATE, outputKind, trimEdgeSilence } from '../../main/node/dub/pipeline.js';
import { parseSubtitleFile, SubtitleLimitError, SubtitleParseError } from '../../main/common/dub/subtitle-file.js';

describe('dub mix pieces', () => {
  it('ducks fully from the dub start to its end, with smooth ramps before and after', () => {
    const rate = 1000;
    const d = duckCurve([[2, 3]], 0, 5 * rate, rate);
    expect(d[Math.round(1.8 * rate)]).toBe(0); // before the 150 ms attack
    expect(d[Math.round(1.925 * rate)]).toBeCloseTo(0.5, 1); // half way down the attack
    for (let i = 2 * rate; i <= 3 * rate; i++) expect(d[i]).toBe(1); // fully down under the dub
    expect(d[Math.round(3.15 * rate)]).toBeCloseTo(0.5, 1); // half way up the release
    expect(d[Math.round(3.35 * rate)]).toBe(0);
    // No step larger than a raised cosine's steepest slope allows (smooth: no clicks).
    let maxStep = 0;
    for (let i = 1; i < d.length; i++) maxStep = Math.max(maxStep, Math.abs(d[i] - d[i - 1]));
    expect(maxStep).toBeLessThan((Math.PI / 2 / (0.15 * rate)) * 1.01);
    // Block boundaries change nothing.
    const a = duckCurve([[2, 3]], 1900, 300, rate);
    expect(Array.from(a)).toEqual(Array.from(d.subarray(1900, 2200)));
  });

  it('trims a take to its speech, keeping a little around it', () => {
    const rate = MIX_RATE;
    const x = new Float32Array(rate * 2);
    for (let i = Math.round(0.5 * rate); i < Math.round(1.5 * rate); i++) x[i] = 0.5 * Math.sin(i / 10);
    for (let i = 0; i < x.length; i++) x[i] += 1e-5 * Math.sin(i * 1.3); // hiss far under −60 dBFS
    const t = trimEdgeSilence(x, rate);
    expect(t.length / rate).toBeGreaterThan(1);
    expect(t.length / rate).toBeLessThan(1.06);
    expect(trimEdgeSilence(new Float32Array(rate), rate).length).toBe(0);
  });

  it('tags languages the way MP4 stores them and names the outputs it can write', () => {
    expect(containerLanguage('fr')).toBe('fre');
    expect(containerLanguage('pt-BR')).toBe('por');
    expect(containerLanguage('fra')).toBe('fra');
    expect(containerLanguage('xx')).toBeNull();
    expect(outputKind('/a/b.MKV')).toMatchObject({ format: 'matroska', subtitleCodec: 'srt', video: true });
    expect(outputKind('x.wav')).toMatchObject({ video: false });
    expect(() => outputKind('x.avi')).toThrow(/end the output name with \.mp4/);
  });
});

describe('subtitle parser on random input', () => {
  it('only ever throws its own errors', () => {
    const prefixes = [
      '',
      'WEBVTT\n\n',
      '[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n',
      '1\n00:00:01,000 --> 00:00:02,000\n',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom('a.srt', 'a.vtt', 'a.ass', 'a'),
        (p, bytes, name) => {
          const input = Buffer.concat([Buffer.from(p), Buffer.from(bytes)]);
          try {
            const r = parseSubtitleFile(input, name);
            for (const c of r.cues) {
              expect(c.end).toBeGreaterThan(c.start);
              expect(c.text.length).toBeGreaterThan(0);
            }
            for (let i = 1; i < r.cues.length; i++) expect(r.cues[i].start).toBeGreaterThanOrEqual(r.cues[i - 1].end);
          } catch (err) {
            if (!(err instanceof SubtitleParseError || err instanceof SubtitleLimitError)) throw err;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
