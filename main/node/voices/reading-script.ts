/**
 * Texts to read for a good voice reference: varied sentences (statements, a question, numbers, long and short
 * vowels), one paragraph per take so a paragraph can be retaken. About 60–90 s read aloud in all.
 */
import type { ReadingScript } from '../../../preload/contract/index.js';

const SCRIPTS: Record<'en' | 'zh-CN', ReadingScript> = {
  en: {
    language: 'en',
    title: 'The lighthouse keeper',
    paragraphs: [
      'Every evening at half past six, the lighthouse keeper climbed the hundred and twelve steps to the lamp room. ' +
        'He wiped the glass, checked the oil, and looked out over the grey water for a while before the light came on.',
      'Some nights were calm and quiet; others brought wind so strong that the whole tower seemed to hum. ' +
        'Would the ships see the beam tonight? He never doubted it, but he always asked the question anyway.',
      'In the morning he wrote three short lines in the logbook: the weather, the number of ships that passed, ' +
        'and one thing he had noticed for the first time. Yesterday it was a pair of seals resting on the rocks.',
      'People in the village often asked whether he felt lonely out there. ' +
        'He would smile and say that with the sea, the birds and the radio, there was always somebody talking.',
    ],
  },
  'zh-CN': {
    language: 'zh-CN',
    title: '灯塔看守人',
    paragraphs: [
      '每天傍晚六点半，灯塔看守人都会爬上一百一十二级台阶，来到灯室。他擦干净玻璃，检查灯油，然后望着灰色的海面，静静地站一会儿，再把灯点亮。',
      '有些夜晚风平浪静，有些夜晚狂风大作，整座塔都仿佛在嗡嗡作响。今晚船只能看见灯光吗？他从不怀疑，却总是忍不住这样问自己。',
      '第二天早上，他会在日志里写下三行字：天气怎样，经过了几艘船，还有一件他第一次注意到的事情。昨天，那是两只在礁石上休息的海豹。',
      '村里的人常常问他，一个人在那里会不会寂寞。他总是笑着说，有大海、有海鸟、还有收音机，身边总有人在说话。',
    ],
  },
};

export function readingScript(language: 'en' | 'zh-CN'): ReadingScript {
  const s = SCRIPTS[language];
  return { ...s, paragraphs: [...s.paragraphs] };
}
