import type { studioUxEn } from './studio.en';

/** 工作室键盘、标签与播放跟随相关的简体中文文本（issue 15）。 */
export const studioUxZhCN: Record<keyof typeof studioUxEn, string> = {
  'studioUx.script': '脚本',
  'studioUx.speakerVoice': '{voice}（{speaker} 的声音）',
  'studioUx.projectVoiceNamed': '项目声音：{voice}',
  'studioUx.shortcutCards': '在行卡片上：转到上一行、下一行、第一行或最后一行',
  'studioUx.shortcutEdit': '在行卡片上：编辑文本（之后按 Tab 可到达该行的按钮）',
  'studioUx.shortcutLeave': '在行文本中：返回行卡片',
  'studioUx.madeFrom': '生成自：“{text}”',
  'studioUx.madeFromCurrent': '生成自当前文本',
  'studioUx.abText': '{which}：第 {k} 条',
  'studioUx.progressLabel': '本批生成进度：已完成 {done}/{total} 行',
  'studioUx.compact': '紧凑行',
  'studioUx.compactHint': '一次显示更多行：每行占一排，悬停或聚焦时显示工具',
} as const;
