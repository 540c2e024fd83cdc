/**
 * The built-in model pack catalog: metadata only (URLs pinned to a revision, sizes, sha256). The weights are never in
 * the repository; the pack manager downloads or imports them and verifies every byte.
 *
 * Pocket TTS data comes from the pinned english_2026-04 export listing (Hugging Face KevinAHM/pocket-tts-onnx) and
 * the twelve CC-BY-4.0 VCTK reference voices (kyutai/tts-voices). Silero VAD and GTCRN sha256 were computed from the
 * real files with sha256sum.
 */
import { catalogEntrySchema, type PackManifest } from './schema.js';
import { PIPER_PACKS } from './piper.js';
import { KOKORO_FP32, KOKORO_INT8 } from './kokoro.js';
import { POCKET_TTS_LANGUAGE_PACKS } from './pocket-tts-languages.js';
import { PARAKEET_CTC_EN } from './asr.js';
import { WESPEAKER_RESNET34_EN } from './speaker.js';
import { SPLEETER_2STEMS } from './separation.js';

/** Kyutai Pocket TTS, english_2026-04 ONNX export (never mix its files with the older export). */
export const POCKET_TTS_ENGLISH: PackManifest = {
  id: 'pocket-tts',
  version: 'english_2026-04',
  name: 'Pocket TTS (English)',
  description:
    'Kyutai Pocket TTS, 100M parameters, zero-shot voice cloning; community ONNX export (int8 main, flow and decoder graphs).',
  kind: 'tts',
  capabilities: {
    cloning: true,
    presetVoices: [
      {
        id: 'anna',
        name: 'Anna',
        file: 'voices/anna.wav',
        attribution: 'VCTK speaker p228 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'vera',
        name: 'Vera',
        file: 'voices/vera.wav',
        attribution: 'VCTK speaker p229 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'fantine',
        name: 'Fantine',
        file: 'voices/fantine.wav',
        attribution: 'VCTK speaker p244 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'charles',
        name: 'Charles',
        file: 'voices/charles.wav',
        attribution: 'VCTK speaker p254 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'paul',
        name: 'Paul',
        file: 'voices/paul.wav',
        attribution: 'VCTK speaker p259 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'eponine',
        name: 'Eponine',
        file: 'voices/eponine.wav',
        attribution: 'VCTK speaker p262 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'azelma',
        name: 'Azelma',
        file: 'voices/azelma.wav',
        attribution: 'VCTK speaker p303 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'george',
        name: 'George',
        file: 'voices/george.wav',
        attribution: 'VCTK speaker p315 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'mary',
        name: 'Mary',
        file: 'voices/mary.wav',
        attribution: 'VCTK speaker p333 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'jane',
        name: 'Jane',
        file: 'voices/jane.wav',
        attribution: 'VCTK speaker p339 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'michael',
        name: 'Michael',
        file: 'voices/michael.wav',
        attribution: 'VCTK speaker p360 via kyutai/tts-voices (CC-BY-4.0)',
      },
      {
        id: 'eve',
        name: 'Eve',
        file: 'voices/eve.wav',
        attribution: 'VCTK speaker p361 via kyutai/tts-voices (CC-BY-4.0)',
      },
    ],
    languages: ['en'],
  },
  files: [
    {
      path: 'text_conditioner.onnx',
      bytes: 16388344,
      sha256: '4ecee995fb69f85c7a7493d11f7b5ee15d9950facc7ab3f5c9c49ef1e03847bb',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/text_conditioner.onnx',
    },
    {
      path: 'flow_lm_main_int8.onnx',
      bytes: 76341079,
      sha256: 'f9bd8106b79a0192c1c43399ab938fb24900a95c1c599870d75a884e99000116',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/flow_lm_main_int8.onnx',
    },
    {
      path: 'flow_lm_flow_int8.onnx',
      bytes: 9962530,
      sha256: '3dd781ee5abee9e195320bf0106bebd6372a852b3b36352524ee78b40554635d',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/flow_lm_flow_int8.onnx',
    },
    {
      path: 'mimi_encoder.onnx',
      bytes: 39768446,
      sha256: '853e2ca623b8782d94c3745ec6133bfdff7ce33d9b11128bd29ea03f28d76e3d',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/mimi_encoder.onnx',
    },
    {
      path: 'mimi_decoder_int8.onnx',
      bytes: 22684077,
      sha256: '3630450a3297a101792a6ac66619ebc70ab916b265e6220c2afaef8b1673f925',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/mimi_decoder_int8.onnx',
    },
    {
      path: 'tokenizer.model',
      bytes: 59339,
      sha256: 'd461765ae179566678c93091c5fa6f2984c31bbe990bf1aa62d92c64d91bc3f6',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/tokenizer.model',
    },
    {
      path: 'bundle.json',
      bytes: 24381,
      sha256: 'bab643150f437f37df080a710520ff39ed9ebd9a339f8ebdc739f7eddfc28b3f',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/bundle.json',
    },
    {
      path: 'bos_before_voice.npy',
      bytes: 4224,
      sha256: 'f46edf4f7007b7ba4ea58831f49d003e59e167b4641c44bb3addfe9231a780b1',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/english_2026-04/bos_before_voice.npy',
    },
    {
      path: 'LICENSE',
      bytes: 18655,
      sha256: 'fe7b4ce83b8381cc5b216bbb4af73c570688d1b819c73bbaed8ca401f4677cd6',
      url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/LICENSE',
    },
    {
      path: 'voices/anna.wav',
      bytes: 804630,
      sha256: '0a6de25cf12bf1540beb85979f306a92be81fecc051c547c5395e7e5237a3856',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p228_023_enhanced.wav',
    },
    {
      path: 'voices/vera.wav',
      bytes: 691416,
      sha256: '309cf91a895830f15842b398f69a4962cb1f7e0bfab10e25dd27838e826c204b',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p229_023_enhanced.wav',
    },
    {
      path: 'voices/fantine.wav',
      bytes: 674852,
      sha256: '5f07d4e2a3f20a15572aae885156b43ef3fc12ef3812996fd135680d9956448b',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p244_023_enhanced.wav',
    },
    {
      path: 'voices/charles.wav',
      bytes: 639272,
      sha256: '6b681a429198f16e378d53bccb08d06939da7b00144a7696111d4f8f76be7756',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p254_023_enhanced.wav',
    },
    {
      path: 'voices/paul.wav',
      bytes: 717182,
      sha256: '7aba504fe0b3b16478b69eb27ce6007e3cb42b0c1915b5f1c6a6024ae37d679b',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p259_023_enhanced.wav',
    },
    {
      path: 'voices/eponine.wav',
      bytes: 716330,
      sha256: 'a13c27fb47627b05223691a0ef2974358a18c886e6c2f9d2762ff1d02c20926b',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p262_023_enhanced.wav',
    },
    {
      path: 'voices/azelma.wav',
      bytes: 823852,
      sha256: '60e3d26cdf2efdec5df712152c839928f4d5522821e6554ae11fd96c57ab1026',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p303_023_enhanced.wav',
    },
    {
      path: 'voices/george.wav',
      bytes: 642692,
      sha256: '29a41f93bf5236e5b21501091d7774c255d5f3d4e62fa4f9fdf0a92a793c84ae',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p315_023_enhanced.wav',
    },
    {
      path: 'voices/mary.wav',
      bytes: 639084,
      sha256: 'a35b0468382218e9f37a9a7494d1e4b74deaf18d7ced22265b4e325bb55c183f',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p333_023_enhanced.wav',
    },
    {
      path: 'voices/jane.wav',
      bytes: 759340,
      sha256: '2f12e7f155eb3118f55425394f1b049e5b1b67bdc9b3932c8ba4521420aeb84a',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p339_023_enhanced.wav',
    },
    {
      path: 'voices/michael.wav',
      bytes: 751140,
      sha256: 'b6743e9195e5e3fd34fe9d1633ae93f7ffab787b249e45f6467d7d6f7a6ee6ad',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p360_023_enhanced.wav',
    },
    {
      path: 'voices/eve.wav',
      bytes: 671872,
      sha256: '396e7cbd066b0f3fb6d67fa26e7904076958239d736d4390f15b5fe88feb14cd',
      url: 'https://huggingface.co/kyutai/tts-voices/resolve/323332d33f997de8394f24a193e1a76df720e01a/vctk/p361_023_enhanced.wav',
    },
  ],
  licence: {
    id: 'CC-BY-4.0',
    url: 'https://huggingface.co/KevinAHM/pocket-tts-onnx/resolve/58a6d00cf13d239b6748cb0769f35c580a8f606c/onnx/LICENSE',
    file: 'LICENSE',
  },
  requiresTermsAcceptance: true,
  source:
    'Hugging Face KevinAHM/pocket-tts-onnx@58a6d00cf13d239b6748cb0769f35c580a8f606c onnx/english_2026-04/; voices: kyutai/tts-voices@323332d33f997de8394f24a193e1a76df720e01a vctk/',
};

/** Silero VAD v6.2. */
export const SILERO_VAD: PackManifest = {
  id: 'silero-vad',
  version: '6.2',
  name: 'Silero VAD',
  description: 'Voice activity detection, 8 and 16 kHz, 2.3 MB.',
  kind: 'vad',
  capabilities: {
    cloning: false,
    presetVoices: [],
    languages: ['mul'],
  },
  files: [
    {
      path: 'silero_vad.onnx',
      bytes: 2327524,
      sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
      url: 'https://github.com/snakers4/silero-vad/raw/806dcba3f0b5d95282d0889a074954a2f8c6397b/src/silero_vad/data/silero_vad.onnx',
    },
  ],
  licence: {
    id: 'MIT',
    url: 'https://github.com/snakers4/silero-vad/blob/806dcba3f0b5d95282d0889a074954a2f8c6397b/LICENSE',
  },
  requiresTermsAcceptance: false,
  source: 'github snakers4/silero-vad@806dcba3f0b5d95282d0889a074954a2f8c6397b src/silero_vad/data/silero_vad.onnx',
};

/** GTCRN streaming speech enhancement. */
export const GTCRN: PackManifest = {
  id: 'gtcrn',
  version: 'stream-3862c44',
  name: 'GTCRN speech enhancement',
  description: 'Streaming denoiser, 48 K parameters, 16 kHz (trained on DNS Challenge 3 data).',
  kind: 'enhance',
  capabilities: {
    cloning: false,
    presetVoices: [],
    languages: ['mul'],
  },
  files: [
    {
      path: 'gtcrn.onnx',
      bytes: 352084,
      sha256: 'f648b02f2d7ff96ebcb0eec2219688a08ed12fe7e3d50f248605a90eba8cad17',
      url: 'https://github.com/Xiaobin-Rong/gtcrn/raw/3862c44808dca492ea5a8a145d2dc2a1028d08c8/stream/onnx_models/gtcrn.onnx',
    },
  ],
  licence: {
    id: 'MIT',
    url: 'https://github.com/Xiaobin-Rong/gtcrn/blob/3862c44808dca492ea5a8a145d2dc2a1028d08c8/LICENSE',
  },
  requiresTermsAcceptance: false,
  source: 'github Xiaobin-Rong/gtcrn@3862c44808dca492ea5a8a145d2dc2a1028d08c8 stream/onnx_models/gtcrn.onnx',
};

/** Every pack Timbre knows about, validated against the catalog rules at load (a bad entry fails loudly). */
export const BUILTIN_CATALOG: readonly PackManifest[] = [
  POCKET_TTS_ENGLISH,
  SILERO_VAD,
  GTCRN,
  ...PIPER_PACKS,
  KOKORO_INT8,
  KOKORO_FP32,
  ...POCKET_TTS_LANGUAGE_PACKS,
  PARAKEET_CTC_EN,
  WESPEAKER_RESNET34_EN,
  SPLEETER_2STEMS,
].map((m) => catalogEntrySchema.parse(m));

export function findPack(id: string, catalog: readonly PackManifest[] = BUILTIN_CATALOG): PackManifest | undefined {
  return catalog.find((m) => m.id === id);
}

export const POCKET_TTS_PACK_ID = POCKET_TTS_ENGLISH.id;
export const SILERO_VAD_PACK_ID = SILERO_VAD.id;
export const GTCRN_PACK_ID = GTCRN.id;
