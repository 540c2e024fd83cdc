/**
 * Pocket TTS language bundles: the other language exports of the community ONNX export (Hugging Face
 * KevinAHM/pocket-tts-onnx), pinned at the same revision as `english_2026-04` (58a6d00c…). Each bundle is its own
 * pack (`pocket-tts-<language>`, installed in `<dataDir>/models/<pack id>`), with its own graphs, `bundle.json`
 * and `tokenizer.model`; the engine picks the bundle from the voice's language (docs/voices-multilingual.md).
 *
 * Where the numbers come from: the sizes and sha256 below are copied from public manifests that pin the same files
 * at the same revision (they agree with each other where they overlap, and their English entries agree with our
 * `english_2026-04` pins): the TUICommander speech catalogue (`assets.rs`: bundle.json, tokenizer.model,
 * text_conditioner, flow_lm_main_int8, flow_lm_flow_int8, mimi_decoder_int8 of french_24l, german, italian,
 * portuguese and spanish), a `french_24l` model manifest (bos_before_voice.npy, mimi_encoder.onnx) and an Italian
 * Android manifest + verification script (bos_before_voice.npy, mimi_encoder.onnx). `onnx/LICENSE` is the same file
 * for every bundle of the revision. No hash here was computed or guessed by us.
 *
 * A bundle is only offered when every file it needs is pinned. `POCKET_TTS_PENDING_BUNDLES` lists the exports that
 * exist but lack public pins for some files (named there); adding them is data only: fill in the missing
 * `{ bytes, sha256 }` and the pack appears in the catalog (tests/unit/pocket-tts-languages.test.ts checks the shape).
 */
import type { PackManifest } from './schema.js';

export const POCKET_ONNX_REPO = 'KevinAHM/pocket-tts-onnx';
export const POCKET_ONNX_REVISION = '58a6d00cf13d239b6748cb0769f35c580a8f606c';

/** The files a bundle needs, in install order (int8 graphs where the export has them, like english_2026-04). */
export const POCKET_BUNDLE_FILES = [
  'text_conditioner.onnx',
  'flow_lm_main_int8.onnx',
  'flow_lm_flow_int8.onnx',
  'mimi_encoder.onnx',
  'mimi_decoder_int8.onnx',
  'tokenizer.model',
  'bundle.json',
  'bos_before_voice.npy',
] as const;
export type PocketBundleFile = (typeof POCKET_BUNDLE_FILES)[number];

export interface FilePin {
  bytes: number;
  sha256: string;
}

export interface PocketBundlePin {
  /** The export's folder under `onnx/` (also its `bundle_name`). */
  bundle: string;
  /** BCP-47 primary language subtag the bundle speaks. */
  language: string;
  /** English name of the language (pack names; the UI shows Intl.DisplayNames names). */
  languageName: string;
  /** Transformer layers of the flow model (6, or 24 for the `_24l` exports). */
  layers: 6 | 24;
  /** Every file's pin, or null where no public source gives it. */
  files: Record<PocketBundleFile, FilePin | null>;
}

const LICENSE_PIN: FilePin = {
  bytes: 18655,
  sha256: 'fe7b4ce83b8381cc5b216bbb4af73c570688d1b819c73bbaed8ca401f4677cd6',
};

const pin = (bytes: number, sha256: string): FilePin => ({ bytes, sha256 });

export const POCKET_TTS_BUNDLE_PINS: readonly PocketBundlePin[] = [
  {
    bundle: 'french_24l',
    language: 'fr',
    languageName: 'French',
    layers: 24,
    files: {
      'text_conditioner.onnx': pin(16388344, '89d1b6ac55e618e42d2bd840438ce918bffb14960475ef091847ca39be641e65'),
      'flow_lm_main_int8.onnx': pin(305144125, '6130a6b98fae175147d82752263e250fb7b8483c1ef5373753ad335c16f4a129'),
      'flow_lm_flow_int8.onnx': pin(9962530, 'd340c549d5a1e0e7b88a0fb26fcae53c3b76486872f4418398a395bb1bc88701'),
      'mimi_encoder.onnx': pin(39768446, '790a82fb8041e1035ec8097c6a277c834664a1f6619397d62f3bb46f71d2bfd4'),
      'mimi_decoder_int8.onnx': pin(22684077, 'b329ff3de3aa95455d2dee1cf371943dec269dd8711008017501ca129cb18d8c'),
      'tokenizer.model': pin(60173, '521c85bdb2da10618f4be52021ed1cb2a7a6299b040708487f133193f7b305e2'),
      'bundle.json': pin(42235, '8a5fe6c59985e3ccb5a6ccb1ffb2e84ac08488c5bfa704053618851436741427'),
      'bos_before_voice.npy': pin(4224, '5759269802d691d49481b8e06d6a5649da85ea01135e270bd7641e3b091c7237'),
    },
  },
  {
    bundle: 'italian',
    language: 'it',
    languageName: 'Italian',
    layers: 6,
    files: {
      'text_conditioner.onnx': pin(16388344, '692369f5ac340006fa44252155da77fe6c8a60a859848297777e0caea534068e'),
      'flow_lm_main_int8.onnx': pin(76341079, 'f43ce4d823471095a7bd6d9dcfcceb46145ea96b0f2b85b7d668f15816965055'),
      'flow_lm_flow_int8.onnx': pin(9962530, '21b2bec2f9ae4323fc545a0c7ffb274bdfa925a699fd304ed03aba53e4ca9129'),
      'mimi_encoder.onnx': pin(39768446, '8936e1f95baedb898941fc7a259d7ab8c031aeaf6d3746ecac3cf7b280a9adda'),
      'mimi_decoder_int8.onnx': pin(22684077, 'f120bc5cddca9514c511f128786f5d9e6e6893b067faae5e30f5b2bd5643aa03'),
      'tokenizer.model': pin(60078, '6583b974a11b90e14d8a4c8e9c43f06c3861b9ede6e5023a4c27ab5a3a7d4c39'),
      'bundle.json': pin(24365, 'c779c25fd836c9b85a3fc570474774777176757bd6bec0b5bffbbe599644a9f9'),
      'bos_before_voice.npy': pin(4224, '212357ca66b450e7dc2ae6cb11f1efd08b49c59e25196a6979c37962fef6cd82'),
    },
  },
  {
    bundle: 'german',
    language: 'de',
    languageName: 'German',
    layers: 6,
    files: {
      'text_conditioner.onnx': pin(16388344, 'a004c74047bc1c4208f6ca150c6337fb541ab03e154493f456d43baa0fd469f1'),
      'flow_lm_main_int8.onnx': pin(76341079, '3d5e9cd303ecd26fc75b91e2766bce6de3d274d397d3ee9a392f6299366681ef'),
      'flow_lm_flow_int8.onnx': pin(9962530, '2b0eb8381c49672ac1050c50221db02033b5dc6c346ab45c67bd05344257f06c'),
      'mimi_encoder.onnx': null,
      'mimi_decoder_int8.onnx': pin(22684077, '3fe868810d66fa0c26bb3ae0d5ee65cae83028c0fe83398bcf3d96478f68083b'),
      'tokenizer.model': pin(59837, '389079b9c67cd17ff1c565d53bc695df390b4ca8abf2300947e659585edd9d2a'),
      'bundle.json': pin(24362, '7f032e4df0db3a02e24871dfa496e2b7ffa095dd98640bfcf12c04b8671ac60e'),
      'bos_before_voice.npy': null,
    },
  },
  {
    bundle: 'portuguese',
    language: 'pt',
    languageName: 'Portuguese',
    layers: 6,
    files: {
      'text_conditioner.onnx': pin(16388344, '693523a9b8e8853a7130676fd0e8189939255411700f0207664715226a26c409'),
      'flow_lm_main_int8.onnx': pin(76341079, '119e5ce926cadc273508565143c86a7a9cd86450fa99cad6a37a79ba50f9db02'),
      'flow_lm_flow_int8.onnx': pin(9962530, '53c50fc75f892687920c316513715bfbefbdb3b7642786e287c7971df53edb26'),
      'mimi_encoder.onnx': null,
      'mimi_decoder_int8.onnx': pin(22684077, '691f89f074585c828914cecd5396e30e0e2a14dbfa4890bd1b5806d303daeb4e'),
      'tokenizer.model': pin(60995, '3aa51309c55f114771c156aaeb86f6fc325991364aa3c38af74aecf1cbd0fade'),
      'bundle.json': pin(24371, '389ab9d942f044a6a71d04e86ba89b100dee21ed91ca9d099b19ac45b122d242'),
      'bos_before_voice.npy': null,
    },
  },
  {
    bundle: 'spanish',
    language: 'es',
    languageName: 'Spanish',
    layers: 6,
    files: {
      'text_conditioner.onnx': pin(16388344, '836ad5231fffe6d8fd23c8340d6d91676f466cd35057afd06b7db6ab69baae11'),
      'flow_lm_main_int8.onnx': pin(76341079, '9b020318976e0437bcc78ad0f4a49bf1de6e6e2193c6b0380398038601f9a270'),
      'flow_lm_flow_int8.onnx': pin(9962530, '4cc630a8fc1d28e3b432349e492f5f81696aab88b1067b5282b15427fde19efe'),
      'mimi_encoder.onnx': null,
      'mimi_decoder_int8.onnx': pin(22684077, '309efd11b65c58cd176e554d09241f3e2c9aaabd8cbf74b8f01bdd3ec8f7d8e5'),
      'tokenizer.model': pin(60895, 'aac2b96478e3e3068712bd5c45dc196f84b7341ea72587c33a2094957f0c1b0c'),
      'bundle.json': pin(24365, 'c9f18b5fc326c2a99f645588b79ef27ef3c9c6c3066f8df73bccb7f7c1f855b3'),
      'bos_before_voice.npy': null,
    },
  },
  // The 24-layer exports of the 6-layer languages: the export has them; no public source pins any of their files.
  ...(['german', 'italian', 'portuguese', 'spanish'] as const).map((b): PocketBundlePin => ({
    bundle: `${b}_24l`,
    language: { german: 'de', italian: 'it', portuguese: 'pt', spanish: 'es' }[b],
    languageName: { german: 'German', italian: 'Italian', portuguese: 'Portuguese', spanish: 'Spanish' }[b],
    layers: 24,
    files: Object.fromEntries(POCKET_BUNDLE_FILES.map((f) => [f, null])) as Record<PocketBundleFile, null>,
  })),
];

/** The pack id of a bundle: `pocket-tts-<bundle folder>` (`_` becomes `-`), e.g. `pocket-tts-french-24l`. */
export function pocketBundlePackId(bundle: string): string {
  return `pocket-tts-${bundle.replace(/_/g, '-')}`;
}

export function missingPins(p: PocketBundlePin): PocketBundleFile[] {
  return POCKET_BUNDLE_FILES.filter((f) => p.files[f] === null);
}

const url = (bundle: string, file: string) =>
  `https://huggingface.co/${POCKET_ONNX_REPO}/resolve/${POCKET_ONNX_REVISION}/onnx/${bundle}/${file}`;

/** The pack manifest of a fully pinned bundle (throws for one with missing pins: see POCKET_TTS_PENDING_BUNDLES). */
export function pocketBundleManifest(p: PocketBundlePin): PackManifest {
  const missing = missingPins(p);
  if (missing.length) throw new Error(`Pocket TTS ${p.bundle}: no pinned sha256 for ${missing.join(', ')}`);
  const licenceUrl = `https://huggingface.co/${POCKET_ONNX_REPO}/resolve/${POCKET_ONNX_REVISION}/onnx/LICENSE`;
  return {
    id: pocketBundlePackId(p.bundle),
    version: p.bundle,
    name: `Pocket TTS (${p.languageName})`,
    description:
      `Kyutai Pocket TTS, ${p.languageName} export (${p.layers} layers), zero-shot voice cloning in ${p.languageName}; ` +
      'community ONNX export (int8 main, flow and decoder graphs). Speaks with the reference voices of the English ' +
      'pack when it is installed, and with your own voices.',
    kind: 'tts',
    capabilities: { cloning: true, presetVoices: [], languages: [p.language] },
    files: [
      ...POCKET_BUNDLE_FILES.map((f) => ({ path: f, ...(p.files[f] as FilePin), url: url(p.bundle, f) })),
      { path: 'LICENSE', ...LICENSE_PIN, url: licenceUrl },
    ],
    licence: { id: 'CC-BY-4.0', url: licenceUrl, file: 'LICENSE' },
    requiresTermsAcceptance: true,
    source: `Hugging Face ${POCKET_ONNX_REPO}@${POCKET_ONNX_REVISION} onnx/${p.bundle}/`,
  };
}

/** Bundles whose every file is pinned: offered in the catalog. */
export const POCKET_TTS_LANGUAGE_PACKS: readonly PackManifest[] = POCKET_TTS_BUNDLE_PINS.filter(
  (p) => missingPins(p).length === 0,
).map(pocketBundleManifest);

/** Bundles the export has but that cannot be offered yet, with the files whose pins are missing. */
export const POCKET_TTS_PENDING_BUNDLES: readonly { bundle: string; language: string; missing: string[] }[] =
  POCKET_TTS_BUNDLE_PINS.filter((p) => missingPins(p).length > 0).map((p) => ({
    bundle: p.bundle,
    language: p.language,
    missing: missingPins(p),
  }));
