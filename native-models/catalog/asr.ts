/**
 * Speech recognition packs. NVIDIA Parakeet TDT-CTC 110M (English), the sherpa-onnx int8 conversion of its CTC head:
 * published only as one `.tar.bz2` release asset, so the pack is the archive (pinned by size and sha256) and the two
 * files taken out of it (pinned again). Archive size and sha256: ../shared/models/CANDIDATES.md; the inner files'
 * sizes and full sha256 agree across several public projects that pin the same archive (checked with the code
 * search: sherpa-onnx based apps pinning `model.int8.onnx` 131,652,171 B and `tokens.txt` 9,953 B).
 */
import type { PackManifest } from './schema.js';

const PARAKEET_ARCHIVE_URL =
  'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/sherpa-onnx-nemo-parakeet_tdt_ctc_110m-en-36000-int8.tar.bz2';

export const PARAKEET_CTC_EN: PackManifest = {
  id: 'parakeet-ctc-en',
  version: 'tdt_ctc_110m-en-36000-int8',
  name: 'Parakeet TDT-CTC 110M (English speech recognition)',
  description:
    'NVIDIA Parakeet TDT-CTC 110M, CTC head, int8 (sherpa-onnx conversion): English transcripts with word timings, for `timbre transcribe`, dubbing and word checks.',
  kind: 'asr',
  capabilities: { cloning: false, presetVoices: [], languages: ['en'] },
  files: [
    {
      path: 'model.int8.onnx',
      bytes: 131_652_171,
      sha256: '9177a9146cf32ee0cc8152276ef95116f312018d316be37ccf57f7efea81fc1a',
      url: PARAKEET_ARCHIVE_URL,
    },
    {
      path: 'tokens.txt',
      bytes: 9_953,
      sha256: '450e56bd2f036fe5b6aa821865838cc5aa9d8b0106134ce9a9ba0664abe6cd10',
      url: PARAKEET_ARCHIVE_URL,
    },
  ],
  archive: {
    url: PARAKEET_ARCHIVE_URL,
    bytes: 104_337_827,
    sha256: '17f945007b52ccd8b7200ffc7c5652e9e8e961dfdf479cefcabd06cf5703630b',
    format: 'tar.bz2',
    root: 'sherpa-onnx-nemo-parakeet_tdt_ctc_110m-en-36000-int8',
  },
  licence: {
    id: 'CC-BY-4.0',
    url: 'https://creativecommons.org/licenses/by/4.0/',
    text: 'NVIDIA Parakeet TDT-CTC 110M (https://huggingface.co/nvidia/parakeet-tdt_ctc-110m), (c) NVIDIA, CC-BY-4.0; ONNX conversion by k2-fsa/sherpa-onnx.',
  },
  requiresTermsAcceptance: false,
  source:
    'github k2-fsa/sherpa-onnx release asr-models: sherpa-onnx-nemo-parakeet_tdt_ctc_110m-en-36000-int8.tar.bz2 (from nvidia/parakeet-tdt_ctc-110m, CC-BY-4.0)',
};

export const PARAKEET_CTC_EN_PACK_ID = PARAKEET_CTC_EN.id;
