/**
 * Source-separation packs (vocals / accompaniment), for `timbre dub --background separate`. Deezer Spleeter 2-stems,
 * the fp32 ONNX export by k2-fsa/sherpa-onnx (`scripts/spleeter/export_onnx.py`), published on Hugging Face as
 * csukuangfj/sherpa-onnx-spleeter-2stems; each file pinned to the repository revision 7001ba31….
 *
 * Where the numbers come from (none computed or guessed by us): the sizes and sha256 of `vocals.onnx` and
 * `accompaniment.onnx` at that revision agree across independent public projects that pin the same files (a web
 * app's model notes naming the revision with a size/sha256 table, an iOS Core ML conversion's download
 * verification naming the same revision, a Java model list and a C++ model manifest pinning the files by size and
 * sha256). The fp16 and int8 exports of the same workflow are not offered: their Hugging Face files were re-pushed
 * (two different fp16 `vocals` pins exist for two revisions) and the int8 files have no public pin.
 */
import type { PackManifest } from './schema.js';

export const SPLEETER_HF_REPO = 'csukuangfj/sherpa-onnx-spleeter-2stems';
export const SPLEETER_HF_REVISION = '7001ba316a615cacddb3f9ef3ec416661a277e26';
const base = `https://huggingface.co/${SPLEETER_HF_REPO}/resolve/${SPLEETER_HF_REVISION}`;

export const SPLEETER_2STEMS: PackManifest = {
  id: 'spleeter-2stems',
  version: `sherpa-onnx-fp32-${SPLEETER_HF_REVISION.slice(0, 8)}`,
  name: 'Spleeter 2-stems (vocals / accompaniment)',
  description:
    'Deezer Spleeter 2-stems, ONNX export by sherpa-onnx: separates a soundtrack into vocals and accompaniment, so a dub keeps the music and effects without the original speech (`--background separate`). 44.1 kHz stereo, two 39 MB graphs.',
  kind: 'separation',
  capabilities: { cloning: false, presetVoices: [], languages: ['mul'] },
  files: [
    {
      path: 'vocals.onnx',
      bytes: 39_318_336,
      sha256: 'bdc16ab6bf6117ddd4842c19e80e40e2be188fc555295064d424616b0224ac97',
      url: `${base}/vocals.onnx`,
    },
    {
      path: 'accompaniment.onnx',
      bytes: 39_318_343,
      sha256: '671ace17acd3720674a2bc14de32ac6292453dec20d9eb0ba4255d4ad8e3d8c0',
      url: `${base}/accompaniment.onnx`,
    },
  ],
  licence: {
    id: 'MIT',
    url: 'https://github.com/deezer/spleeter/blob/556ef2121492d72398a988af1b38b55176f5973a/LICENSE',
    text: 'Spleeter (https://github.com/deezer/spleeter), Copyright (c) 2019-present Deezer SA, MIT License (code and pre-trained models, doi:10.21105/joss.02154); ONNX export by k2-fsa/sherpa-onnx (Apache-2.0 scripts).',
  },
  requiresTermsAcceptance: false,
  source: `Hugging Face ${SPLEETER_HF_REPO}@${SPLEETER_HF_REVISION} (from github k2-fsa/sherpa-onnx scripts/spleeter, deezer/spleeter v1.4.0 2stems.tar.gz)`,
};

export const SPLEETER_2STEMS_PACK_ID = SPLEETER_2STEMS.id;
