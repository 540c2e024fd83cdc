import type { apiEn } from './api.en';

/** 设置中“本地 API”面板的简体中文文本。 */
export const apiZhCN: Record<keyof typeof apiEn, string> = {
  'api.title': '本地 API',
  'api.hint':
    '本机上的脚本和应用可以通过 API 使用 Timbre：兼容 OpenAI 的语音接口以及工作室的全部操作（见 docs/api.md）。请为每个脚本创建一个密钥。',
  'api.baseUrl': '基础 URL',
  'api.notServing': '工作室以网页模式运行（timbre serve）时提供 API。',
  'api.remote':
    '其他计算机可通过 {address} 访问：网络中任何持有 API 密钥的人都能使用。停止 timbre serve 并在不加 --listen 的情况下重新启动即可结束。',
  'api.local': '只有本机可以访问。',
  'api.keys': 'API 密钥',
  'api.noKeys': '还没有 API 密钥。',
  'api.keyName': '密钥名称',
  'api.keyNamePlaceholder': '例如：播客流水线',
  'api.scope': '权限',
  'api.scope.speech': '仅语音',
  'api.scope.full': '全部',
  'api.create': '创建密钥',
  'api.created': '请立即复制此密钥：它只显示这一次。',
  'api.copy': '复制',
  'api.copied': '已复制密钥',
  'api.done': '完成',
  'api.revoke': '吊销',
  'api.revokeTitle': '吊销“{name}”？',
  'api.revokeBody': '使用此密钥的脚本从现在起将被拒绝。此操作无法撤销。',
  'api.revoked': '已吊销',
  'api.lastUsed': '上次使用：{when}',
  'api.neverUsed': '从未使用',
  'api.log': '最近使用密钥的调用',
  'api.noLog': '还没有使用 API 密钥的调用。',
  'api.logWhen': '时间',
  'api.logKey': '密钥',
  'api.logCall': '调用',
  'api.logStatus': '状态',
  'api.logFrom': '来源',
  'api.refresh': '刷新',
};
