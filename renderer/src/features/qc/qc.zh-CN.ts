import type { qcEn } from './qc.en';

/** 片段质检（每行的徽标及其发现）的简体中文文本。 */
export const qcZhCN: Record<keyof typeof qcEn, string> = {
  'qc.ok': '质检通过',
  'qc.flagged': '需检查',
  'qc.unchecked': '未检查',
  'qc.okTip': '片段质检：每个词都听到了，没有过长停顿，没有削波。',
  'qc.flaggedTip': '片段质检在此片段中发现了问题：查看详情',
  'qc.uncheckedTip': '片段质检无法检查此片段：查看原因',
  'qc.findings': '第 {n} 行的质检结果',
  'qc.loading': '正在加载质检结果…',
  'qc.score': '对齐得分 {score}%',
  'qc.keep': '质检不会阻止使用片段：听起来没问题就保留，或重新生成此行。',
  'qc.missing': '未听到：{words}。',
  'qc.unclear': '{words} 附近有缺失或不清楚的词。',
  'qc.extra': '{seconds} 秒的语音不在文本中（重复？）。',
  'qc.silence': '在 {at} 秒处有 {seconds} 秒的停顿。',
  'qc.clipping': '在 {at} 秒处削波（{samples} 个满幅采样）。',
  'qc.filter': '只看需检查的行（{count}）',
  'qc.filterOff': '显示所有行',
  'qc.filterEmpty': '质检没有标记任何行。',
  // 自动重录
  'retake.setting': '自动重录',
  'retake.settingTip':
    '质检标记新片段时，用新的种子重新生成该行，最多重试这么多次，并保留得分最高的片段。每次尝试都会保留为可选片段。',
  'retake.off': '关闭',
  'retake.upTo': '最多 {n} 次',
  'retake.retrying': '重录 {attempt}/{max}…',
  'retake.passed': '保留第 {n} 次（共 {tries} 次）：通过质检',
  'retake.best': '保留第 {n} 次（共 {tries} 次）：均被标记，得分最高',
  'retake.user': '第 {n} 次（共 {tries} 次）：由你选择',
  'retake.userOther': '已停止重录：你选择了一个片段',
  'retake.changed': '已停止重录：该行已更改',
  'retake.failed': '已停止重录：一次重录失败',
  // pack checks: speaker similarity and word error rate (#10)
  'qc.voiceDrift': '声音偏移：与该声音的样本相似度为 {similarity}%（至少应为 {threshold}%）。',
  'qc.wordErrors': '听到了不同的词（词错误率 {wer}%）：{words}。',
};
