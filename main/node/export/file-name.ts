/**
 * A file name made from a name a person typed (a project, a speaker), keeping every character a file system takes:
 * "Episode 1 — Pilot" stays "Episode 1 — Pilot", accents, dashes, quotes and emoji included. Only what is unsafe
 * on some system becomes "_": path separators, control characters and the characters Windows refuses (`<>:"|?*`).
 * Leading dots (hidden or relative names) and trailing dots and spaces (Windows drops them) go, a name Windows
 * reserves (CON, NUL, COM1 …) gets a "_" prefix, and the result is cut at MAX_FILE_NAME_BYTES of UTF-8 on a
 * character boundary, leaving room for the suffix the caller adds ("-stems.zip") under the 255-byte limit of
 * ext4, APFS and NTFS. An empty result becomes `fallback`.
 */
export const MAX_FILE_NAME_BYTES = 200;

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

export function safeFileName(name: string, fallback: string): string {
  let s = name
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f/\\<>:"|?*\u2028\u2029]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  let bytes = 0;
  let cut = '';
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > MAX_FILE_NAME_BYTES) break;
    cut += ch;
  }
  s = cut.replace(/[.\s]+$/, '');
  if (!s) return fallback;
  return RESERVED.test(s) ? `_${s}` : s;
}

/**
 * The Content-Disposition header of a download named `name`: an ASCII `filename` for old clients (anything else
 * becomes "_") and the exact name in `filename*` (RFC 6266, encoded per RFC 8187/5987: every byte outside
 * attr-char is percent-encoded, so `'`, `(`, `)` and `*` are too).
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
