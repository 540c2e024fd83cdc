import type { uxAppEn } from './ux-app.en';

/** 问题 15 的新手体验修复：重启后重新连接、克隆可用性、浏览声音、导出。 */
export const uxAppZhCN: Record<keyof typeof uxAppEn, string> = {
  'reconnect.pasteLabel': '新地址或访问密钥',
  'reconnect.go': '重新连接',
  'reconnect.notALink': '请粘贴 timbre serve 打印的完整地址（其中包含 #token=…）。',
  'reconnect.refused': '服务器也不接受此密钥：请复制最近一次 timbre serve 打印的地址。',
  'reconnect.unreachable': '暂时无法通过此地址连接 Timbre。请重新运行 timbre serve，然后打开或粘贴它打印的地址。',
  'exportLoc.keptIn': '副本保存在：',
  'exportLoc.showInFolder': '在文件夹中显示',
  'exportLoc.webHint': '该文件夹位于运行 Timbre 的电脑上；使用“下载”可在此保存一份副本。',
  'pick.needsClonePack': '不可用：需要声音克隆模型包（请在“模型”中安装 Pocket TTS）',
  'clone.noPack': '尚未安装声音克隆模型包。您现在可以录制或导入声音并保存，但只有安装该模型包后，Timbre 才能用它说话。',
  'clone.getPack': '在“模型”中获取 {name}',
  'clone.openModels': '打开“模型”',
  'clone.needsPacks': 'Timbre 需要 {names} 模型包来检查录音，但它尚未安装。请在“模型”中安装，然后重新选择文件。',
  'consentWhy.noRecorder': '此处不可用：声音所有者需要对着麦克风朗读同意书，而 Timbre 无法在此电脑上录音。',
  'listen.voice': '试听 {name}',
  'listen.stop': '停止 {name}',
  'listen.failed': '无法播放试听：{message}',
  'vsearch.label': '搜索声音',
  'vsearch.placeholder': '按名称、语言或引擎搜索',
  'vsearch.none': '没有与“{query}”匹配的内置声音。',
};
