import type { policyEn } from './policy.en';

/** 组织托管策略提示的简体中文文本。 */
export const policyZhCN: Record<keyof typeof policyEn, string> = {
  'policy.setByOrg': '由你的组织设置',
  'policy.source': '托管策略：{file}',
  'policy.downloadsOff': '下载已关闭：请导入你的组织提供的模型包。',
  'policy.apiOff': '本地 API 已关闭。',
};
