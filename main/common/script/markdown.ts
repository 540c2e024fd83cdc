/**
 * Markdown → plain script text for the splitter. Headings stay as `# Title` lines (so they become chapters, setext
 * headings included); list items, table rows and block quotes become their own paragraphs; emphasis, links, inline
 * code and HTML are reduced to their text; code blocks, images, front matter, comments and link definitions are
 * dropped. `\[` and `\]` stay escaped so the tag parser reads them as literal brackets; `[pause 1s]` tags survive.
 * Process-neutral.
 */
export function markdownToScript(md: string): string {
  let s = md.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  s = s.replace(/^---\n[\s\S]*?\n(?:---|\.\.\.)\n/, ''); // YAML front matter
  s = removeComments(s);
  const out: string[] = [];
  let fence: string | undefined;
  const lines = s.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const f = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (f && f[1][0] === fence[0] && f[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1];
      continue;
    }
    if (/^ {4,}\S/.test(line) && (out.length === 0 || out[out.length - 1] === '')) continue; // indented code
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line)) continue; // link reference definition
    if (/^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/.test(line)) {
      out.push('');
      continue; // horizontal rule
    }
    const next = lines[i + 1];
    if (next !== undefined && line.trim() && /^\s{0,3}(=+|-+)\s*$/.test(next) && !/^\s*[-*+>#|]/.test(line)) {
      out.push('', `${next.trim()[0] === '=' ? '#' : '##'} ${inline(line.trim())}`, '');
      i++;
      continue;
    }
    const h = /^\s{0,3}(#{1,6})[ \t]+(.*)$/.exec(line);
    if (h) {
      out.push('', `${h[1]} ${inline(headingText(h[2]))}`, '');
      continue;
    }
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line) && line.includes('-') && line.includes('|'))
      continue; // table separator
    let block = false;
    line = line.replace(/^\s*(?:>\s?)+/, () => {
      block = true;
      return '';
    });
    line = line.replace(/^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, () => {
      block = true;
      return '';
    });
    if (/^\s*\|.*\|\s*$/.test(line)) {
      line = line
        .trim()
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean)
        .join(', ');
      block = true;
    }
    line = inline(line);
    if (block) out.push('', line, '');
    else out.push(line);
  }
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/*
 * Inline spans are bounded (a link's text, an emphasis, a tag or a code span of at most SPAN characters, a URL of at
 * most URL): an opener without a closer then costs at most that much scanning instead of the rest of the line, so a
 * long line full of unclosed `**`, `[` or `<` is converted in linear time (unbounded, a 100 KB line took minutes).
 * Longer spans are left as they are.
 */
const SPAN = 500;
const URL = 4000;
const IMAGE = new RegExp(String.raw`!\[[^\]]{0,${SPAN}}\]\([^)]{0,${URL}}\)`, 'g');
const IMAGE_REF = new RegExp(String.raw`!\[[^\]]{0,${SPAN}}\]\[[^\]]{0,${SPAN}}\]`, 'g');
const LINK = new RegExp(String.raw`(?<!\\)\[([^\]]{1,${SPAN}})\]\((?:[^()]|\([^)]{0,${URL}}\)){0,${URL}}\)`, 'g');
const LINK_REF = new RegExp(String.raw`(?<!\\)\[([^\]]{1,${SPAN}})\]\[[^\]]{0,${SPAN}}\]`, 'g');
const AUTOLINK = new RegExp(String.raw`<(https?:\/\/[^>\s]{1,${URL}}|[^@>\s]{1,${SPAN}}@[^>\s]{1,${SPAN}})>`, 'g');
const HTML_TAG = new RegExp(String.raw`<\/?[A-Za-z][^>]{0,${SPAN}}>`, 'g');
const CODE = new RegExp(String.raw`(\x60+)(.{1,${SPAN}}?)\1`, 'g');
const STRONG = new RegExp(String.raw`(\*\*|__)(?=\S)(.{1,${SPAN}}?)(?<=\S)\1`, 'g');
const EM_STAR = new RegExp(String.raw`(^|[^\p{L}\p{N}\\])\*(?=\S)(.{1,${SPAN}}?)(?<=\S)\*`, 'gu');
const EM_UNDER = new RegExp(String.raw`(^|[^\p{L}\p{N}\\])_(?=\S)(.{1,${SPAN}}?)(?<=\S)_(?![\p{L}\p{N}])`, 'gu');
const STRIKE = new RegExp(String.raw`~~(.{1,${SPAN}}?)~~`, 'g');

function inline(line: string): string {
  let s = upToLast(line, ')', (t) => t.replace(IMAGE, '')); // images
  s = upToLast(s, ']', (t) => t.replace(IMAGE_REF, ''));
  s = upToLast(s, ')', (t) => t.replace(LINK, '$1')); // [text](url)
  s = upToLast(s, ']', (t) => t.replace(LINK_REF, '$1')); // [text][ref]
  s = upToLast(s, '>', (t) => t.replace(AUTOLINK, '$1').replace(HTML_TAG, '')); // autolinks, HTML tags
  return trimBlanksEnd(
    s
      .replace(CODE, '$2') // inline code
      .replace(STRONG, '$2')
      .replace(EM_STAR, '$1$2')
      .replace(EM_UNDER, '$1$2')
      .replace(STRIKE, '$1')
      // Markdown escapes, except brackets and backslashes that the tag parser still needs escaped.
      .replace(/\\([!"#$%&'()*+,\-./:;<=>?@^_`{|}~])/g, '$1'),
  );
}

/**
 * Apply `f` only up to the last `end` character: a span that must close with `end` cannot start after it, and the
 * openers after it (a line full of unclosed `[` or `<`) then cost nothing.
 */
function upToLast(s: string, end: string, f: (t: string) => string): string {
  const k = s.lastIndexOf(end);
  return k < 0 ? s : f(s.slice(0, k + 1)) + s.slice(k + 1);
}

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/** Without trailing spaces and tabs (a loop: the regex /[ \t]+$/ is quadratic on blanks in the middle of a line). */
function trimBlanksEnd(s: string): string {
  let e = s.length;
  while (e > 0 && isBlank(s[e - 1])) e--;
  return s.slice(0, e);
}

/** An ATX heading's text without trailing blanks and without a closing `#` sequence (`# Title ##` → `Title`). */
function headingText(s: string): string {
  const t = trimBlanksEnd(s);
  let e = t.length;
  while (e > 0 && t[e - 1] === '#') e--;
  return e < t.length && e > 0 && isBlank(t[e - 1]) ? trimBlanksEnd(t.slice(0, e)) : t;
}

/** HTML comments removed; an unclosed `<!--` and everything after it stays (as the regex it replaces did). */
function removeComments(s: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = s.indexOf('<!--', from);
    const close = open < 0 ? -1 : s.indexOf('-->', open + 4);
    if (close < 0) return out + s.slice(from);
    out += s.slice(from, open);
    from = close + 3;
  }
}
