import type { uxAppEn } from './ux-app.en';

/** 问题 15 的新手体验修复：重启后重新连接、克隆可用性、浏览声音、导出。 */
export const uxAppZhCN: Record<keyof typeof uxAppEn, string> = {
  'reconnect.pasteLabel': '新地址或访问密钥',
  'reconnect.go': '重新连接',
  'reconnect.notALink': '请粘贴 timbre serve 打印的完整地址（其中包含 #token=…）。',
  'reconnect.refused': '服务器也不接受此密钥：请复制最近一次 timbre serve 打印的地址。',
  'reconnect.unreachable': '暂时无法通过此地址连接 Timbre。请重新运行 timbre serve，然后打开或粘贴它打印的地址。',
};
