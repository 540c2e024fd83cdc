/** The Piper voice catalog entries: URL, size and sha256 shape, licences, languages. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../native-models/catalog/catalog.js';
import { catalogEntrySchema } from '../../native-models/catalog/schema.js';
import { PIPER_PACKS, PIPER_VOICES_REVISION, piperPackId } from '../../native-models/catalog/piper.js';

const OPEN_LICENCES = new Set(['CC0-1.0', 'CC-BY-4.0', 'Unlicense']);

describe('Piper catalog', () => {
  it('is part of the built-in catalog and every entry passes the catalog rules', () => {
    for (const m of PIPER_PACKS) {
      expect(BUILTIN_CATALOG.find((b) => b.id === m.id)).toEqual(m);
      const r = catalogEntrySchema.safeParse(m);
      expect(r.success, `${m.id}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
    }
  });

  it('covers at least 12 languages', () => {
    const languages = new Set(PIPER_PACKS.map((m) => m.capabilities.languages[0].split('-')[0]));
    expect(languages.size).toBeGreaterThanOrEqual(12);
    for (const m of PIPER_PACKS) expect(m.capabilities.languages[0]).toMatch(/^[a-z]{2,3}-[A-Z]{2}$/);
  });

  it('pins each voice file to one Hugging Face revision, with a plausible size and a sha256', () => {
    expect(PIPER_VOICES_REVISION).toMatch(/^[0-9a-f]{40}$/);
    const shas = new Set<string>();
    for (const m of PIPER_PACKS) {
      const voice = m.files[0].path.replace(/\.onnx$/, '');
      expect(m.id).toBe(piperPackId(voice));
      expect(m.files.map((f) => f.path)).toEqual([`${voice}.onnx`, `${voice}.onnx.json`, 'MODEL_CARD']);
      const [family, quality] = [voice.split('_')[0], voice.split('-').at(-1)];
      const dataset = voice.split('-').slice(1, -1).join('-');
      const region = voice.split('-')[0];
      for (const f of m.files) {
        expect(f.url).toBe(
          `https://huggingface.co/rhasspy/piper-voices/resolve/${PIPER_VOICES_REVISION}/${family}/${region}/${dataset}/${quality}/${f.path}`,
        );
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(shas.has(f.sha256), `${m.id} ${f.path}: sha256 repeated`).toBe(false);
        shas.add(f.sha256);
      }
      const [onnx, json, card] = m.files;
      expect(onnx.bytes).toBeGreaterThan(10e6); // medium voices are 60-80 MB
      expect(onnx.bytes).toBeLessThan(150e6);
      expect(json.bytes).toBeGreaterThan(1000);
      expect(json.bytes).toBeLessThan(64 * 1024);
      expect(card.bytes).toBeGreaterThan(100);
      expect(card.bytes).toBeLessThan(4096);
    }
  });

  it('matches an independent listing of es_ES-davefx-medium (sha256 and size of both files)', () => {
    // Independent source: the TARS-BSK voice README (found with the code search tool) lists
    // es_ES-davefx-medium.onnx SHA256 6658B03B…E222A917 and .onnx.json 0E0DDA87…9EC54842.
    const m = PIPER_PACKS.find((p) => p.id === 'piper-es_es-davefx-medium')!;
    expect(m.files[0].sha256).toBe('6658b03b1a6c316ee4c265a9896abc1393353c2d9e1bca7d66c2c442e222a917');
    expect(m.files[1].sha256).toBe('0e0dda87c732f6f38771ff274a6380d9252f327dca77aa2963d5fbdf9ec54842');
  });

  it('names each dataset licence, ships the MODEL_CARD, and asks for terms unless the licence is open', () => {
    for (const m of PIPER_PACKS) {
      expect(m.licence.file).toBe('MODEL_CARD');
      expect(m.licence.id.length).toBeGreaterThan(0);
      expect(m.description).toMatch(/Dataset: https?:\/\//);
      expect(m.requiresTermsAcceptance).toBe(!OPEN_LICENCES.has(m.licence.id));
      expect(m.capabilities.cloning).toBe(false);
    }
  });
});
