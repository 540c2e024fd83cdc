/** “从此视频克隆”的中文文本（issue #11 第 4 步）。 */
import type { dubCloneEn } from './dub-clone.en';

export const dubCloneZhCN: Record<keyof typeof dubCloneEn, string> = {
  'dubClone.action': '从此视频克隆',
  'dubClone.title': '从此视频克隆 {speaker}',
  'dubClone.buttonLabel': '从此视频克隆：{speaker}',
  'dubClone.intro':
    'Timbre 从 {speaker} 自己的片段中挑出最干净的 10–30 秒（只取语音、没有其他说话人重叠、背景噪声最少），在声音库中生成一个声音。',
  'dubClone.name': '声音名称',
  'dubClone.denoise': '去除所选语音的背景噪声（GTCRN）',
  'dubClone.consentTitle': '同意',
  'dubClone.consentText': '与声音库中的每个声音一样，只有在声音主人同意时才能克隆。谁同意了，用于什么用途？',
  'dubClone.consentName': '声音主人的姓名',
  'dubClone.consentPurpose': '对方同意的用途',
  'dubClone.consentConfirm': '我确认此人同意将其声音克隆用于上述用途。',
  'dubClone.method': '如何给出同意',
  'dubClone.method.attest': '我确认对方已同意（声明，未验证）',
  'dubClone.method.statement': '{speaker} 对着麦克风朗读同意声明（已验证）',
  'dubClone.noRecorder': '这台电脑无法录音：{why}',
  'dubClone.start': '克隆声音',
  'dubClone.phase.extracting': '正在读取音频…',
  'dubClone.phase.analysing': '正在寻找最干净的语音… {percent}%',
  'dubClone.phase.denoising': '正在降噪… {percent}%',
  'dubClone.phase.creating': '正在创建声音…',
  'dubClone.phase.done': '完成',
  'dubClone.done': '已用 {seconds} 秒语音生成声音“{name}”；{speaker} 现在使用它。',
  'dubClone.spans': '使用的语音',
  'dubClone.span': '{start}–{end}（{seconds} 秒，信噪比 {snr} dB）',
  'dubClone.total': '合计：{seconds} 秒',
  'dubClone.close': '关闭',
};
