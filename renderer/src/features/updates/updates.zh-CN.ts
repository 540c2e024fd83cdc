import type { updatesEn } from './updates.en';

/** 设置 → 更新 的简体中文文本。 */
export const updatesZhCN: Record<keyof typeof updatesEn, string> = {
  'updates.title': '更新',
  'updates.hint':
    '只有在你点击“检查更新”（或在桌面应用的帮助菜单中开启自动检查）时，Timbre 才会访问更新服务器。每次请求都会记入隐私记录。',
  'updates.current': '已安装版本',
  'updates.channel': '渠道',
  'updates.channel.stable': '稳定版',
  'updates.channel.beta': '测试版',
  'updates.check': '检查更新',
  'updates.checking': '正在检查更新…',
  'updates.upToDate': 'Timbre 已是最新（最新版本为 {version}）。',
  'updates.available': 'Timbre {version} 可用。',
  'updates.download': '下载 {version}',
  'updates.downloading': '正在下载更新：{percent}%',
  'updates.progressLabel': '更新下载',
  'updates.downloaded': 'Timbre {version} 已下载并校验，将在 Timbre 重启时安装。',
  'updates.restart': '重启以更新',
  'updates.error': '更新失败：{message}',
  'updates.desktopOnly': '更新由桌面应用处理。此页面由 timbre serve 提供：请按你安装 Timbre 的方式更新。',
  'updates.offByPolicy': '更新已关闭：由你的组织安装新版本。',
};
