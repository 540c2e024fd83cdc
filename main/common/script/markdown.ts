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
  s = s.replace(/<!--[\s\S]*?-->/g, '');
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
    const h = /^\s{0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (h) {
      out.push('', `${h[1]} ${inline(h[2])}`, '');
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

function inline(s: string): string {
  return (
    s
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '') // images
      .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
      .replace(/(?<!\\)\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1') // [text](url)
      .replace(/(?<!\\)\[([^\]]+)\]\[[^\]]*\]/g, '$1') // [text][ref]
      .replace(/<(https?:\/\/[^>\s]+|[^@>\s]+@[^>\s]+)>/g, '$1') // autolinks
      .replace(/<\/?[A-Za-z][^>]*>/g, '') // HTML tags
      .replace(/(`+)(.+?)\1/g, '$2') // inline code
      .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
      .replace(/(^|[^\p{L}\p{N}\\])\*(?=\S)(.+?)(?<=\S)\*/gu, '$1$2')
      .replace(/(^|[^\p{L}\p{N}\\])_(?=\S)(.+?)(?<=\S)_(?![\p{L}\p{N}])/gu, '$1$2')
      .replace(/~~(.+?)~~/g, '$1')
      // Markdown escapes, except brackets and backslashes that the tag parser still needs escaped.
      .replace(/\\([!"#$%&'()*+,\-./:;<=>?@^_`{|}~])/g, '$1')
      .replace(/[ \t]+$/, '')
  );
}
