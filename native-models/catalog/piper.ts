/**
 * Piper voices (rhasspy/piper-voices on Hugging Face): one model pack per voice, `piper-<voice name in lower case>`,
 * holding the voice's `.onnx`, its `.onnx.json` (phoneme map, sample rate, eSpeak voice, inference scales, speakers)
 * and its MODEL_CARD (dataset, dataset licence, training), all pinned to one revision of the repository.
 *
 * Where the numbers come from: the repository's git history (a mirror, github smseagle/piper-voices, keeps the
 * upstream commits unchanged; PIPER_VOICES_REVISION is upstream's "Sort languages" commit of 2024-11-18). For each
 * `.onnx` (stored with Git LFS) the size and sha256 are the LFS pointer's `size` and `oid sha256`; for the small
 * `.onnx.json` and MODEL_CARD files they are computed from the committed bytes. es_ES-davefx-medium's two sha256
 * also match an independent listing (TARS-BSK's voice README).
 *
 * Curated: medium quality, one or two voices per language, 17 languages. The voice models are MIT (the Piper
 * project); each dataset has its own licence, named in `licence` and the MODEL_CARD shipped in the pack. Voices
 * whose dataset licence is not an open one (or is unknown) require accepting the terms before download.
 */
import type { PackManifest } from './schema.js';

export const PIPER_VOICES_REVISION = '293cad0539066f86e6bce3b9780c472cc9157489';
/** Every Piper pack id starts with this. */
export const PIPER_PACK_PREFIX = 'piper-';

/** The pack id of a Piper voice: `fr_FR-siwis-medium` → `piper-fr_fr-siwis-medium`. */
export function piperPackId(voice: string): string {
  return `${PIPER_PACK_PREFIX}${voice.toLowerCase()}`;
}

const u = (file: string) => `https://huggingface.co/rhasspy/piper-voices/resolve/${PIPER_VOICES_REVISION}/${file}`;

interface PiperVoiceEntry {
  voice: string;
  name: string;
  /** BCP-47 tag of the voice's language. */
  language: string;
  description: string;
  files: PackManifest['files'];
  licence: PackManifest['licence'];
  requiresTermsAcceptance: boolean;
}

function piperVoice(e: PiperVoiceEntry): PackManifest {
  return {
    id: piperPackId(e.voice),
    version: `piper-voices@${PIPER_VOICES_REVISION.slice(0, 7)}`,
    name: e.name,
    description: e.description,
    kind: 'tts',
    // Piper voices are fixed voices, not reference recordings: the engine lists them from the installed packs.
    capabilities: { cloning: false, presetVoices: [], languages: [e.language] },
    files: e.files,
    licence: e.licence,
    requiresTermsAcceptance: e.requiresTermsAcceptance,
    source: `huggingface rhasspy/piper-voices@${PIPER_VOICES_REVISION}`,
  };
}

/** The curated Piper voices, one pack each. */
export const PIPER_PACKS: readonly PackManifest[] = [
  piperVoice({
    voice: 'en_US-lessac-medium',
    name: 'Piper Lessac (English, United States)',
    language: 'en-US',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice en-us). Dataset: https://www.cstr.ed.ac.uk/projects/blizzard/2013/lessac_blizzard2013/ (licence: https://www.cstr.ed.ac.uk/projects/blizzard/2013/lessac_blizzard2013/license.html). Trained from scratch.',
    files: [
      {
        path: 'en_US-lessac-medium.onnx',
        bytes: 63201294,
        sha256: '5efe09e69902187827af646e1a6e9d269dee769f9877d17b16b1b46eeaaf019f',
        url: u('en/en_US/lessac/medium/en_US-lessac-medium.onnx'),
      },
      {
        path: 'en_US-lessac-medium.onnx.json',
        bytes: 4885,
        sha256: 'efe19c417bed055f2d69908248c6ba650fa135bc868b0e6abb3da181dab690a0',
        url: u('en/en_US/lessac/medium/en_US-lessac-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 351,
        sha256: 'ce49eb457742208166d399a40cdec2c7fa9db77960930031564ab56f12882645',
        url: u('en/en_US/lessac/medium/MODEL_CARD'),
      },
    ],
    licence: {
      id: 'LicenseRef-Blizzard2013-Lessac',
      url: 'https://www.cstr.ed.ac.uk/projects/blizzard/2013/lessac_blizzard2013/license.html',
      file: 'MODEL_CARD',
    },
    requiresTermsAcceptance: true,
  }),
  piperVoice({
    voice: 'en_GB-alba-medium',
    name: 'Piper Alba (English, Great Britain)',
    language: 'en-GB',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice en-gb-x-rp). Dataset: https://datashare.ed.ac.uk/handle/10283/3270 (licence: https://creativecommons.org/licenses/by/4.0/). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'en_GB-alba-medium.onnx',
        bytes: 63201294,
        sha256: '401369c4a81d09fdd86c32c5c864440811dbdcc66466cde2d64f7133a66ad03b',
        url: u('en/en_GB/alba/medium/en_GB-alba-medium.onnx'),
      },
      {
        path: 'en_GB-alba-medium.onnx.json',
        bytes: 4888,
        sha256: 'aa965a2f02ecced632c2694e1fc72bbff6d65f265fab567ca945918c73dd89f4',
        url: u('en/en_GB/alba/medium/en_GB-alba-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 324,
        sha256: 'fa166b1779404c470b0b6b4ba0238bc4a35bf89d2cd130c6788f697188b737d6',
        url: u('en/en_GB/alba/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'en_US-libritts_r-medium',
    name: 'Piper LibriTTS-R (English, United States)',
    language: 'en-US',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 904 speakers (eSpeak NG voice en-us). Dataset: http://www.openslr.org/141/ (licence: CC BY 4.0). Fine-tuned from English lessac medium on train-clean-360.',
    files: [
      {
        path: 'en_US-libritts_r-medium.onnx',
        bytes: 78580914,
        sha256: '10bb85e071d616fcf4071f369f1799d0491492ab3c5d552ec19fb548fac13195',
        url: u('en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx'),
      },
      {
        path: 'en_US-libritts_r-medium.onnx.json',
        bytes: 20123,
        sha256: 'b471dc60d2d8335e819c393d196d6fbf792817f40051257b269878505bc9afb3',
        url: u('en/en_US/libritts_r/medium/en_US-libritts_r-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 279,
        sha256: '0ccde6927e5bb4d743f4ea39618a9387ba18cca3351220a8a9cfdbc68b30fcb9',
        url: u('en/en_US/libritts_r/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'fr_FR-siwis-medium',
    name: 'Piper SIWIS (French, France)',
    language: 'fr-FR',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice fr). Dataset: https://datashare.is.ed.ac.uk/handle/10283/2353 (licence: CC-BY 4.0). Finetuned from U.S. English lessac voice (medium quality)',
    files: [
      {
        path: 'fr_FR-siwis-medium.onnx',
        bytes: 63201294,
        sha256: '641d1ab097da2b81128c076810edb052b385decc8be3381814802a64a73baf99',
        url: u('fr/fr_FR/siwis/medium/fr_FR-siwis-medium.onnx'),
      },
      {
        path: 'fr_FR-siwis-medium.onnx.json',
        bytes: 4875,
        sha256: '39479916c2db192b5ac9764daddd0c744d83e023ad890c6976c0633ae4df8959',
        url: u('fr/fr_FR/siwis/medium/fr_FR-siwis-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 284,
        sha256: 'bd8b8d079d4d3d2c4cc20345889bbcd586d72f021a132f93357a763eb5232cce',
        url: u('fr/fr_FR/siwis/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'de_DE-thorsten-medium',
    name: 'Piper Thorsten (German, Germany)',
    language: 'de-DE',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice de). Dataset: https://github.com/thorstenMueller/Thorsten-Voice (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'de_DE-thorsten-medium.onnx',
        bytes: 63201294,
        sha256: '7e64762d8e5118bb578f2eea6207e1a35a8e0c30595010b666f983fc87bb7819',
        url: u('de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx'),
      },
      {
        path: 'de_DE-thorsten-medium.onnx.json',
        bytes: 4819,
        sha256: '974adee790533adb273a1ac88f49027d2a1b8f0f2cf4905954a4791e79264e85',
        url: u('de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 285,
        sha256: '5196b5ab0794e6056263a1f37c18bec407b61ac187529bee29d1c366871e5c9e',
        url: u('de/de_DE/thorsten/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'es_ES-davefx-medium',
    name: 'Piper Davefx (Spanish, Spain)',
    language: 'es-ES',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice es). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'es_ES-davefx-medium.onnx',
        bytes: 63201294,
        sha256: '6658b03b1a6c316ee4c265a9896abc1393353c2d9e1bca7d66c2c442e222a917',
        url: u('es/es_ES/davefx/medium/es_ES-davefx-medium.onnx'),
      },
      {
        path: 'es_ES-davefx-medium.onnx.json',
        bytes: 4817,
        sha256: '0e0dda87c732f6f38771ff274a6380d9252f327dca77aa2963d5fbdf9ec54842',
        url: u('es/es_ES/davefx/medium/es_ES-davefx-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 275,
        sha256: '17523d253d605b262341aac23226b49686c31992af90236bd0abb7d4d154774d',
        url: u('es/es_ES/davefx/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'es_MX-ald-medium',
    name: 'Piper Ald (Spanish, Mexico)',
    language: 'es-MX',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice es-419). Dataset: https://huggingface.co/datasets/rmcpantoja/Ald_Mexican_Spanish_speech_dataset (licence: http://unlicense.org). Finetuned from Spanish davefx voice (medium quality).',
    files: [
      {
        path: 'es_MX-ald-medium.onnx',
        bytes: 63201294,
        sha256: '019b3803293c93e34a206dd2e53a3889209a514e786fd7144f7b70196c579b63',
        url: u('es/es_MX/ald/medium/es_MX-ald-medium.onnx'),
      },
      {
        path: 'es_MX-ald-medium.onnx.json',
        bytes: 4889,
        sha256: 'efab736e62e5321dd5d063d1b46e63c59ce655419816355b81d025c1a8d6b03c',
        url: u('es/es_MX/ald/medium/es_MX-ald-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 320,
        sha256: '1f0694ceb3f1e78c1e2ee0e2d5da40f19f965bc638e1b4fb4fca9bdca420d713',
        url: u('es/es_MX/ald/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'Unlicense', url: 'https://unlicense.org/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'it_IT-paola-medium',
    name: 'Piper Paola (Italian, Italy)',
    language: 'it-IT',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice it). Dataset: https://huggingface.co/datasets/paolapersico1/Voice-Dataset-Italian (licence: See URL). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'it_IT-paola-medium.onnx',
        bytes: 63511038,
        sha256: '6fc918b5a0ea6137382833dddfa567bffbe6a5060c02043c87192ee59c04210c',
        url: u('it/it_IT/paola/medium/it_IT-paola-medium.onnx'),
      },
      {
        path: 'it_IT-paola-medium.onnx.json',
        bytes: 7099,
        sha256: 'aea19c0a7fce29fbc359b93f10e7902854401e4c95ae2ea328ae516b15d296cf',
        url: u('it/it_IT/paola/medium/it_IT-paola-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 303,
        sha256: 'c53fd0070dc93b438edbce06728eb83759ba030fff0cce523209ee4a0a6363c0',
        url: u('it/it_IT/paola/medium/MODEL_CARD'),
      },
    ],
    licence: {
      id: 'LicenseRef-See-Dataset',
      url: 'https://huggingface.co/datasets/paolapersico1/Voice-Dataset-Italian',
      file: 'MODEL_CARD',
    },
    requiresTermsAcceptance: true,
  }),
  piperVoice({
    voice: 'pt_BR-faber-medium',
    name: 'Piper Faber (Portuguese, Brazil)',
    language: 'pt-BR',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice pt-br). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'pt_BR-faber-medium.onnx',
        bytes: 63201294,
        sha256: '858555e3a064209c57088fe6bd70c4c3dc54d03eaa00c45d5ecaf43a33f95aa7',
        url: u('pt/pt_BR/faber/medium/pt_BR-faber-medium.onnx'),
      },
      {
        path: 'pt_BR-faber-medium.onnx.json',
        bytes: 4855,
        sha256: '7e694de195ae3fc36dd732c445eb04fb49b649854893cb5506b978f0d50a1d6f',
        url: u('pt/pt_BR/faber/medium/pt_BR-faber-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 278,
        sha256: '624fc8c611d29643ba30c0c1a1a0167d8dc1341cd2514ae0a0085bfed2b4741d',
        url: u('pt/pt_BR/faber/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'nl_BE-nathalie-medium',
    name: 'Piper Nathalie (Dutch, Belgium)',
    language: 'nl-BE',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice nl). Dataset: https://github.com/rhasspy/dataset-voice-nathalie (licence: CC0). Finetuned from U.S. English lessac voice (medium quality)',
    files: [
      {
        path: 'nl_BE-nathalie-medium.onnx',
        bytes: 63201294,
        sha256: '49cf48023861f9fd42e13a8632f068fee67d1ce244a6ee38f29595afbf0a6be4',
        url: u('nl/nl_BE/nathalie/medium/nl_BE-nathalie-medium.onnx'),
      },
      {
        path: 'nl_BE-nathalie-medium.onnx.json',
        bytes: 4879,
        sha256: '4704af2736022e910a3f32672480d5530dd39da5c2bcc079f315f604166ff0de',
        url: u('nl/nl_BE/nathalie/medium/nl_BE-nathalie-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 284,
        sha256: '129daeda6c74903efac7aa522ae4fd6628a6acdd0975ee897384e1079acbcd2f',
        url: u('nl/nl_BE/nathalie/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'pl_PL-darkman-medium',
    name: 'Piper Darkman (Polish, Poland)',
    language: 'pl-PL',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice pl). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'pl_PL-darkman-medium.onnx',
        bytes: 63201294,
        sha256: 'db505438a5364e8e2e0242c4324130a873ed660dfbe8d9689cef428ffb1b645f',
        url: u('pl/pl_PL/darkman/medium/pl_PL-darkman-medium.onnx'),
      },
      {
        path: 'pl_PL-darkman-medium.onnx.json',
        bytes: 4816,
        sha256: '70f999f11fa8ad13d3ef779041ee93c9f38be5abdbacdfad42449712fe91c81b',
        url: u('pl/pl_PL/darkman/medium/pl_PL-darkman-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 276,
        sha256: 'a6e4e7d320d45407ba6c78e0519452f1be207825015286514fe0c46d4f524ea0',
        url: u('pl/pl_PL/darkman/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'ru_RU-denis-medium',
    name: 'Piper Denis (Russian, Russia)',
    language: 'ru-RU',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice ru). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'ru_RU-denis-medium.onnx',
        bytes: 63201294,
        sha256: '15fab56e11a097858ee115545d0f697fc2a316c41a291a5362349fb870411b0a',
        url: u('ru/ru_RU/denis/medium/ru_RU-denis-medium.onnx'),
      },
      {
        path: 'ru_RU-denis-medium.onnx.json',
        bytes: 4823,
        sha256: '831c860dac0b5073eaa81610a0a638ec23d90a6cf8e5f871b4485c2cec3767c8',
        url: u('ru/ru_RU/denis/medium/ru_RU-denis-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 275,
        sha256: 'f037c8ec8b6574de644bf9e5916c749e83d4ff297facd97895b56d733f6ba3fe',
        url: u('ru/ru_RU/denis/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'uk_UA-ukrainian_tts-medium',
    name: 'Piper Ukrainian TTS (Ukrainian, Ukraine)',
    language: 'uk-UA',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 3 speakers (eSpeak NG voice uk). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Trained from scratch.',
    files: [
      {
        path: 'uk_UA-ukrainian_tts-medium.onnx',
        bytes: 76735663,
        sha256: '7920419ac5f6fd8b6450520f24b52ed5a319cb53dd018fbcd71c9e079cbac84f',
        url: u('uk/uk_UA/ukrainian_tts/medium/uk_UA-ukrainian_tts-medium.onnx'),
      },
      {
        path: 'uk_UA-ukrainian_tts-medium.onnx.json',
        bytes: 2002,
        sha256: '4e96e72917ca9b94edc77d6ccfee03a73f450ba2fc1ca93c2e562bc014e5aa55',
        url: u('uk/uk_UA/ukrainian_tts/medium/uk_UA-ukrainian_tts-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 266,
        sha256: 'cb77fd7742b78f3bdfd2457c7ef712cfb153193af3b21325821df4ca8d8030de',
        url: u('uk/uk_UA/ukrainian_tts/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'zh_CN-huayan-medium',
    name: 'Piper Huayan (Chinese, China)',
    language: 'zh-CN',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice cmn). Dataset: https://github.com/PlayVoice/HuaYan_TTS (licence: Unknown). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'zh_CN-huayan-medium.onnx',
        bytes: 63201294,
        sha256: '9929917bf8cabb26fd528ea44d3a6699c11e87317a14765312420be230be0f3d',
        url: u('zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx'),
      },
      {
        path: 'zh_CN-huayan-medium.onnx.json',
        bytes: 4822,
        sha256: 'd521dc45504a8ccc99e325822b35946dd701840bfb07e3dbb31a40929ed6a82b',
        url: u('zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 276,
        sha256: '25d7d8f7a03e9382e629c5c4f074176e7ca84e08be12a873022e91fcac98c2c7',
        url: u('zh/zh_CN/huayan/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'LicenseRef-Unknown', file: 'MODEL_CARD' },
    requiresTermsAcceptance: true,
  }),
  piperVoice({
    voice: 'sv_SE-nst-medium',
    name: 'Piper NST (Swedish, Sweden)',
    language: 'sv-SE',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice sv). Dataset: https://www.nb.no/sprakbanken/en/resource-catalogue/oai-nb-no-sbr-17/ (licence: CC0). Trained from scratch by KBLab at The National Library of Sweden.',
    files: [
      {
        path: 'sv_SE-nst-medium.onnx',
        bytes: 63104526,
        sha256: 'df011f56825a59dd1efc080c38a65a1ef70407e60f63050e9246f43a3d7e471e',
        url: u('sv/sv_SE/nst/medium/sv_SE-nst-medium.onnx'),
      },
      {
        path: 'sv_SE-nst-medium.onnx.json',
        bytes: 4157,
        sha256: 'd45dd74cbb4eca58694bf04a97e243044092476f28a55ae26424f0653086980a',
        url: u('sv/sv_SE/nst/medium/sv_SE-nst-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 306,
        sha256: 'c85d3e26e47d93e9d9b8572d3c89537c3f8ff212595cb9a3fbd2e07c19432317',
        url: u('sv/sv_SE/nst/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'tr_TR-dfki-medium',
    name: 'Piper DFKI (Turkish, Turkey)',
    language: 'tr-TR',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice tr). Dataset: https://github.com/marytts/dfki-ot-data/ (licence: https://creativecommons.org/licenses/by-nc-sa/4.0/). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'tr_TR-dfki-medium.onnx',
        bytes: 63201294,
        sha256: '2844717f524ab965d3fe86e60562cbb601d3e456836efcc2196cc3a14112a8fb',
        url: u('tr/tr_TR/dfki/medium/tr_TR-dfki-medium.onnx'),
      },
      {
        path: 'tr_TR-dfki-medium.onnx.json',
        bytes: 4960,
        sha256: '13ebd7810f1b61b5027583cf3131a0a233b6ea81c38f2200ebc4ff41c3cca039',
        url: u('tr/tr_TR/dfki/medium/tr_TR-dfki-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 319,
        sha256: 'a3e08c57b9c6d428f8e4fb146512c8b1fb96a68c99d43820ed1dfea6d39cb35f',
        url: u('tr/tr_TR/dfki/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC-BY-NC-SA-4.0', url: 'https://creativecommons.org/licenses/by-nc-sa/4.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: true,
  }),
  piperVoice({
    voice: 'cs_CZ-jirka-medium',
    name: 'Piper Jirka (Czech, Czech Republic)',
    language: 'cs-CZ',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice cs). Dataset: https://github.com/NabuCasa/voice-datasets (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'cs_CZ-jirka-medium.onnx',
        bytes: 63201294,
        sha256: 'cbd5c900acacc8e8cbecd64347abb8de39c00a9d3104bed06fee92e4f319efc8',
        url: u('cs/cs_CZ/jirka/medium/cs_CZ-jirka-medium.onnx'),
      },
      {
        path: 'cs_CZ-jirka-medium.onnx.json',
        bytes: 5025,
        sha256: 'fb38b1799b7354808227c065efa97b1ffa2b0cde59505babb56a36d35af9c637',
        url: u('cs/cs_CZ/jirka/medium/cs_CZ-jirka-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 281,
        sha256: '27f3ecff306b91dfa8a16b9666f01a7244ca3f03d48f942a02ad4788405e5166',
        url: u('cs/cs_CZ/jirka/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'fi_FI-harri-medium',
    name: 'Piper Harri (Finnish, Finland)',
    language: 'fi-FI',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice fi). Dataset: https://www.kaggle.com/bryanpark/finnish-single-speaker-speech-dataset (licence: CC0). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'fi_FI-harri-medium.onnx',
        bytes: 63201294,
        sha256: 'a44167faa34caed940e4fcad139fcc35922266b2593bcebe77701774c0fb2389',
        url: u('fi/fi_FI/harri/medium/fi_FI-harri-medium.onnx'),
      },
      {
        path: 'fi_FI-harri-medium.onnx.json',
        bytes: 4873,
        sha256: '3f9c9f76f74adf1fbe7279e41eea17d6610757e45effd6808bbea6be74b8916d',
        url: u('fi/fi_FI/harri/medium/fi_FI-harri-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 304,
        sha256: 'a0a7fa3f046f1e582689db76f93099735530343a3126f3f40ed64380c419a0b2',
        url: u('fi/fi_FI/harri/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
  piperVoice({
    voice: 'vi_VN-vais1000-medium',
    name: 'Piper VAIS-1000 (Vietnamese, Vietnam)',
    language: 'vi-VN',
    description:
      'Piper VITS voice, medium quality, 22.05 kHz, 1 speaker (eSpeak NG voice vi). Dataset: https://ieee-dataport.org/documents/vais-1000-vietnamese-speech-synthesis-corpus (licence: https://creativecommons.org/licenses/by/4.0/). Finetuned from U.S. English lessac voice (medium quality).',
    files: [
      {
        path: 'vi_VN-vais1000-medium.onnx',
        bytes: 63201294,
        sha256: 'ec7c89e2c85f4d1edc24b6120c18aaf1bda614f06b511567eb9c7c0de15e2dab',
        url: u('vi/vi_VN/vais1000/medium/vi_VN-vais1000-medium.onnx'),
      },
      {
        path: 'vi_VN-vais1000-medium.onnx.json',
        bytes: 4860,
        sha256: 'fafb9da1354ed4b77c31af228ed41fb41cd825c14cffa105454b25e6ae751ee0',
        url: u('vi/vi_VN/vais1000/medium/vi_VN-vais1000-medium.onnx.json'),
      },
      {
        path: 'MODEL_CARD',
        bytes: 361,
        sha256: '302db8a930ffc2b1c2181db26deaf8272116eca2b08b8f80da6375b0a994af7b',
        url: u('vi/vi_VN/vais1000/medium/MODEL_CARD'),
      },
    ],
    licence: { id: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/', file: 'MODEL_CARD' },
    requiresTermsAcceptance: false,
  }),
];
