/**
 * Speaker-embedding packs. WeSpeaker ResNet34-LM trained on VoxCeleb2 (256-dimensional embeddings), the ONNX export
 * sherpa-onnx publishes as a release asset (its tag really is spelt "speaker-recongition-models"). Size and sha256 as
 * pinned by independent public projects that download the same asset (found with the code search; two agree on the
 * sha256, one gives the size). Licence: the WeSpeaker VoxCeleb models follow the dataset's CC-BY-4.0 (model card).
 */
import type { PackManifest } from './schema.js';

export const WESPEAKER_RESNET34_EN: PackManifest = {
  id: 'speaker-wespeaker-en',
  version: 'voxceleb-resnet34-LM',
  name: 'WeSpeaker ResNet34 (speaker embeddings)',
  description:
    'Speaker embeddings (256 values a recording) for the consent speaker check, take similarity and speaker clustering; trained on VoxCeleb2, 26.5 MB.',
  kind: 'speaker',
  capabilities: { cloning: false, presetVoices: [], languages: ['mul'] },
  files: [
    {
      path: 'wespeaker_en_voxceleb_resnet34_LM.onnx',
      bytes: 26_530_550,
      sha256: 'e9848563da86f263117134dfd7ad63c92355b37de492b55e325400c9d9c39012',
      url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/speaker-recongition-models/wespeaker_en_voxceleb_resnet34_LM.onnx',
    },
  ],
  licence: {
    id: 'CC-BY-4.0',
    url: 'https://huggingface.co/Wespeaker/wespeaker-voxceleb-resnet34-LM',
    text: 'WeSpeaker ResNet34-LM (wenet-e2e/wespeaker), trained on VoxCeleb2; CC-BY-4.0 as the VoxCeleb dataset. ONNX export by k2-fsa/sherpa-onnx.',
  },
  requiresTermsAcceptance: false,
  source: 'github k2-fsa/sherpa-onnx release speaker-recongition-models: wespeaker_en_voxceleb_resnet34_LM.onnx',
};

export const SPEAKER_PACK_ID = WESPEAKER_RESNET34_EN.id;
