/** Issue 15, item 9: export file names keep the project's characters; only unsafe ones are replaced. */
import { describe, expect, it } from 'vitest';
import { contentDisposition, MAX_FILE_NAME_BYTES, safeFileName } from '../../main/node/export/file-name.js';

describe('safeFileName', () => {
  it('keeps dashes, accents, quotes, brackets, CJK and emoji', () => {
    for (const name of [
      'Episode 1 — Pilot',
      "L'été (bonus) #3 & more",
      '第二集：开始'.replace('：', ' '),
      'Podcast 🎙️ 12',
    ])
      expect(safeFileName(name, 'x')).toBe(name);
  });

  it('replaces only separators, control and Windows-refused characters', () => {
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j', 'x')).toBe('a_b_c_d_e_f_g_h_i_j');
    expect(safeFileName('tab\there\u0000nul', 'x')).toBe('tab_here_nul');
  });

  it('drops leading dots and trailing dots/spaces, prefixes reserved names, falls back when empty', () => {
    expect(safeFileName('../../etc/passwd', 'x')).toBe('_.._etc_passwd');
    expect(safeFileName('.hidden', 'x')).toBe('hidden');
    expect(safeFileName('Intro...  ', 'x')).toBe('Intro');
    expect(safeFileName('CON', 'x')).toBe('_CON');
    expect(safeFileName('nul.txt', 'x')).toBe('_nul.txt');
    expect(safeFileName(' ... ', 'episode')).toBe('episode');
  });

  it('cuts long names on a character boundary within the byte budget', () => {
    const out = safeFileName('語'.repeat(200), 'x');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(out).toBe('語'.repeat(Math.floor(MAX_FILE_NAME_BYTES / 3)));
  });
});

describe('contentDisposition', () => {
  it('gives the exact name in filename* (RFC 8187) and an ASCII fallback', () => {
    expect(contentDisposition('Episode 1 — Pilot.mp3')).toBe(
      `attachment; filename="Episode 1 _ Pilot.mp3"; filename*=UTF-8''Episode%201%20%E2%80%94%20Pilot.mp3`,
    );
    expect(contentDisposition(`it's (1)*.wav`)).toBe(
      `attachment; filename="it's (1)*.wav"; filename*=UTF-8''it%27s%20%281%29%2A.wav`,
    );
  });
});
