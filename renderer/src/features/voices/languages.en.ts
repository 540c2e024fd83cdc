/** Strings of the project language and the picker's language/engine groups (issue 14). */
export const languagesEn = {
  'lang.projectLanguage': 'Project language',
  'lang.auto': 'From the first voice',
  'lang.changed': 'Project language: {language}',
  'lang.showAll': 'Show all languages',
  'lang.showingOnly': 'Showing {language} voices',
  'lang.noVoicesIn': 'No {language} voice is installed. Show all languages, or install a voice pack in Models.',
  'lang.yourVoices': 'Your voices',
} as const;

export const languagesZhCN: Record<keyof typeof languagesEn, string> = {
  'lang.projectLanguage': '项目语言',
  'lang.auto': '跟随第一个声音',
  'lang.changed': '项目语言：{language}',
  'lang.showAll': '显示所有语言',
  'lang.showingOnly': '仅显示{language}声音',
  'lang.noVoicesIn': '尚未安装{language}声音。请显示所有语言，或在“模型”中安装声音包。',
  'lang.yourVoices': '我的声音',
};
