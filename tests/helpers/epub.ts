/** Builds real EPUB files (zip archives with container, package document, XHTML, nav/NCX) for tests. */
import yazl from 'yazl';

export interface TestChapter {
  title: string;
  paragraphs: string[];
}

export interface TestBookOptions {
  title?: string;
  author?: string;
  chapters: TestChapter[];
  /** 'nav': EPUB 3 nav document; 'ncx': EPUB 2 NCX; 'none': no TOC (chapters from <h1> headings). */
  toc?: 'nav' | 'ncx' | 'none';
  /** Put every chapter in one XHTML file, reached through #fragment anchors. */
  oneFile?: boolean;
  /** PNG/JPEG bytes to include as the cover image. */
  cover?: { bytes: Buffer; mediaType: 'image/png' | 'image/jpeg' };
  /** Extra entries (name → content), e.g. a zip bomb. */
  extra?: Record<string, Buffer>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xhtml(title: string, body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>${esc(title)}</title><style>p { text-indent: 1em; }</style></head>
<body>${body}</body></html>`;
}

function chapterBody(c: TestChapter, id: string): string {
  return `<section id="${id}" epub:type="chapter"><h1>${esc(c.title)}</h1>\n${c.paragraphs
    .map((p) => `<p>${esc(p)}</p>`)
    .join('\n')}</section>`;
}

export function buildEpub(o: TestBookOptions): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const title = o.title ?? 'A Test Book';
  const toc = o.toc ?? 'nav';
  zip.addBuffer(Buffer.from('application/epub+zip'), 'mimetype', { compress: false });
  zip.addBuffer(
    Buffer.from(`<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`),
    'META-INF/container.xml',
  );
  const items: string[] = [];
  const spine: string[] = [];
  const tocTargets: { title: string; href: string }[] = [];
  // A title page with no TOC entry: its text comes before the first chapter.
  zip.addBuffer(
    Buffer.from(xhtml(title, `<div class="title"><img src="cover.png" alt="cover"/></div>`)),
    'OEBPS/text/title.xhtml',
  );
  items.push(`<item id="titlepage" href="text/title.xhtml" media-type="application/xhtml+xml"/>`);
  spine.push(`<itemref idref="titlepage"/>`);
  if (o.oneFile) {
    zip.addBuffer(
      Buffer.from(xhtml(title, o.chapters.map((c, i) => chapterBody(c, `ch${i + 1}`)).join('\n'))),
      'OEBPS/text/book.xhtml',
    );
    items.push(`<item id="book" href="text/book.xhtml" media-type="application/xhtml+xml"/>`);
    spine.push(`<itemref idref="book"/>`);
    o.chapters.forEach((c, i) => tocTargets.push({ title: c.title, href: `text/book.xhtml#ch${i + 1}` }));
  } else {
    o.chapters.forEach((c, i) => {
      const f = `text/chapter%20${i + 1}.xhtml`; // a space, percent-encoded in hrefs
      zip.addBuffer(Buffer.from(xhtml(c.title, chapterBody(c, `c${i + 1}`))), `OEBPS/text/chapter ${i + 1}.xhtml`);
      items.push(`<item id="c${i + 1}" href="${f}" media-type="application/xhtml+xml"/>`);
      spine.push(`<itemref idref="c${i + 1}"/>`);
      tocTargets.push({ title: c.title, href: f });
    });
  }
  if (toc === 'nav') {
    const nav = `<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>${tocTargets
      .map((t) => `<li><a href="../${t.href}">${esc(t.title)}</a></li>`)
      .join('')}</ol></nav><nav epub:type="landmarks"><ol><li><a href="../text/title.xhtml">Start</a></li></ol></nav>`;
    zip.addBuffer(Buffer.from(xhtml('Contents', nav)), 'OEBPS/nav/nav.xhtml');
    items.push(`<item id="nav" href="nav/nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>`);
  } else if (toc === 'ncx') {
    const points = tocTargets
      .map(
        (t, i) =>
          `<navPoint id="p${i}" playOrder="${i + 1}"><navLabel><text>${esc(t.title)}</text></navLabel><content src="${t.href}"/></navPoint>`,
      )
      .join('');
    zip.addBuffer(
      Buffer.from(
        `<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/><docTitle><text>${esc(title)}</text></docTitle><navMap>${points}</navMap></ncx>`,
      ),
      'OEBPS/toc.ncx',
    );
    items.push(`<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>`);
  }
  let coverMeta = '';
  if (o.cover) {
    const ext = o.cover.mediaType === 'image/png' ? 'png' : 'jpg';
    zip.addBuffer(o.cover.bytes, `OEBPS/images/cover.${ext}`);
    items.push(
      toc === 'ncx'
        ? `<item id="cover-img" href="images/cover.${ext}" media-type="${o.cover.mediaType}"/>`
        : `<item id="cover-img" href="images/cover.${ext}" media-type="${o.cover.mediaType}" properties="cover-image"/>`,
    );
    if (toc === 'ncx') coverMeta = `<meta name="cover" content="cover-img"/>`;
  }
  for (const [name, bytes] of Object.entries(o.extra ?? {})) zip.addBuffer(bytes, name);
  zip.addBuffer(
    Buffer.from(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="${toc === 'ncx' ? '2.0' : '3.0'}" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:test</dc:identifier><dc:title>${esc(title)}</dc:title>
    <dc:creator>${esc(o.author ?? 'A. Writer')}</dc:creator><dc:language>en</dc:language>${coverMeta}
  </metadata>
  <manifest>${items.join('\n')}</manifest>
  <spine${toc === 'ncx' ? ' toc="ncx"' : ''}>${spine.join('')}</spine>
</package>`),
    'OEBPS/content.opf',
  );
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
