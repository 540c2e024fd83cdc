/**
 * EPUB (2 and 3) → an audiobook script: chapters from the book's table of contents (EPUB 3 nav document, else the
 * EPUB 2 NCX, else the headings), paragraphs as lines, and the cover image kept for the M4B.
 *
 * An EPUB is a zip archive of XHTML documents: META-INF/container.xml names the package document (OPF), whose manifest
 * lists every file and whose spine gives the reading order. Everything is read through a bounded zip reader (entry
 * count, per-entry and total inflated size, compression ratio checked against the central directory before inflating
 * and enforced while inflating), so a hostile file cannot exhaust memory. Text is parsed with @xmldom/xmldom in HTML
 * mode, which accepts the HTML entities (`&nbsp;`, `&mdash;`) real books use in their XHTML.
 */
import path from 'node:path/posix';
import { DOMParser } from '@xmldom/xmldom';
import yauzl from 'yauzl';
import { ApiError } from '../../../native-models/common/errors.js';
import type { SplitScript } from '../../common/script/splitter.js';
import { splitScript } from '../../common/script/splitter.js';

export const EPUB_LIMITS = {
  /** The .epub file itself. */
  fileBytesMax: 256 * 1024 * 1024,
  entriesMax: 10_000,
  /** One inflated document (a chapter's XHTML, the OPF, the cover image). */
  entryBytesMax: 32 * 1024 * 1024,
  /** Everything this reader inflates from one book. */
  totalBytesMax: 256 * 1024 * 1024,
  /** Inflated ÷ compressed size of one entry: text compresses ~3–10×; a zip bomb of zeros ~1000×. */
  ratioMax: 100,
  coverBytesMax: 16 * 1024 * 1024,
} as const;

export interface EpubChapter {
  title: string;
  paragraphs: string[];
}

export interface EpubBook {
  title: string;
  author: string | null;
  language: string | null;
  chapters: EpubChapter[];
  cover: { mediaType: string; bytes: Buffer; fileName: string } | null;
}

const invalid = (name: string, why: string) =>
  new ApiError('INVALID_INPUT', `"${name}" cannot be read as an EPUB book: ${why}.`, { fileName: name });

// ---------------------------------------------------------------------------------------------------------------
// Bounded zip access
// ---------------------------------------------------------------------------------------------------------------

class BoundedZip {
  private inflated = 0;
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    private readonly name: string,
  ) {}

  static async open(bytes: Buffer, name: string): Promise<BoundedZip> {
    if (bytes.length > EPUB_LIMITS.fileBytesMax)
      throw invalid(name, `it is larger than ${EPUB_LIMITS.fileBytesMax / 1048576} MiB`);
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(bytes, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, z) =>
        err ? reject(err) : resolve(z),
      ),
    ).catch((err: Error) => {
      throw invalid(name, `it is not a zip archive (${err.message})`);
    });
    const entries = new Map<string, yauzl.Entry>();
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (e: yauzl.Entry) => {
          if (entries.size >= EPUB_LIMITS.entriesMax)
            return reject(invalid(name, `it has more than ${EPUB_LIMITS.entriesMax.toLocaleString('en')} files`));
          if (!e.fileName.endsWith('/')) entries.set(e.fileName, e);
          zip.readEntry();
        });
        zip.on('end', () => resolve());
        zip.on('error', (err: Error) => reject(invalid(name, `its zip structure is damaged (${err.message})`)));
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw err;
    }
    return new BoundedZip(zip, entries, name);
  }

  has(file: string): boolean {
    return this.entries.has(file);
  }

  /** Inflate one entry, refusing before inflating when its declared size or ratio is out of bounds. */
  async read(file: string, limit: number = EPUB_LIMITS.entryBytesMax): Promise<Buffer> {
    const e = this.entries.get(file);
    if (!e) throw invalid(this.name, `it lists "${file}" but the file is missing from the archive`);
    const declared = e.uncompressedSize;
    if (declared > limit)
      throw invalid(
        this.name,
        `"${file}" would inflate to ${Math.round(declared / 1048576)} MiB (at most ${limit / 1048576} MiB)`,
      );
    if (declared > 1024 * 1024 && declared / Math.max(1, e.compressedSize) > EPUB_LIMITS.ratioMax)
      throw invalid(
        this.name,
        `"${file}" is compressed ${Math.round(declared / e.compressedSize)}:1, the mark of a zip bomb`,
      );
    if (this.inflated + declared > EPUB_LIMITS.totalBytesMax)
      throw invalid(this.name, `it would inflate to more than ${EPUB_LIMITS.totalBytesMax / 1048576} MiB`);
    // yauzl checks that the inflated bytes match the declared size (validateEntrySizes), so the bounds above hold.
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      this.zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))),
    ).catch((err: Error) => {
      throw invalid(this.name, `"${file}" cannot be read (${err.message})`);
    });
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        n += chunk.length;
        if (n > declared) throw new Error('more data than its header declares');
        chunks.push(chunk);
      }
    } catch (err) {
      throw invalid(this.name, `"${file}" cannot be read (${(err as Error).message})`);
    }
    this.inflated += n;
    return Buffer.concat(chunks, n);
  }

  async text(file: string): Promise<string> {
    const bytes = await this.read(file);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
    } catch {
      // EPUB requires UTF-8 or UTF-16; accept UTF-16 with a byte-order mark.
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
      if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
      throw invalid(this.name, `"${file}" is not UTF-8 text`);
    }
  }

  close(): void {
    this.zip.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// XML helpers (namespace-agnostic: books in the wild disagree on prefixes)
// ---------------------------------------------------------------------------------------------------------------

type El = Element;

function parseXml(text: string, file: string, book: string, html = false): Document {
  let fatal: string | undefined;
  const doc = new DOMParser({
    locator: {},
    errorHandler: {
      warning: () => undefined,
      error: () => undefined,
      fatalError: (msg: string) => {
        fatal = msg;
      },
    },
  }).parseFromString(text, html ? 'text/html' : 'application/xml');
  if (fatal || !doc?.documentElement) throw invalid(book, `"${file}" is not well-formed (${fatal ?? 'empty'})`);
  return doc;
}

const local = (n: Node): string => ((n as El).localName ?? n.nodeName ?? '').toLowerCase().replace(/^.*:/, '');

function elements(root: Node, name: string): El[] {
  const out: El[] = [];
  const walk = (n: Node) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      if (local(c) === name) out.push(c as El);
      walk(c);
    }
  };
  walk(root);
  return out;
}

const first = (root: Node, name: string): El | undefined => elements(root, name)[0];
const attr = (e: El, name: string): string | null => {
  if (e.hasAttribute(name)) return e.getAttribute(name);
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes[i];
    if (a.name.replace(/^.*:/, '') === name) return a.value;
  }
  return null;
};
const clean = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** Resolve an href found in `fromFile` to an archive path and a fragment. */
function resolveHref(fromFile: string, href: string): { file: string; fragment: string | null } {
  const [p, frag] = href.split('#', 2);
  let decoded = p;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    /* keep the raw path */
  }
  const file = p === '' ? fromFile : path.normalize(path.join(path.dirname(fromFile), decoded)).replace(/^\.\//, '');
  return { file, fragment: frag ? frag : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the book
// ---------------------------------------------------------------------------------------------------------------

interface TocEntry {
  title: string;
  file: string;
  fragment: string | null;
}

const BLOCKS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'li',
  'blockquote',
  'pre',
  'dt',
  'dd',
  'figcaption',
  'td',
  'th',
  'caption',
]);
const CONTAINERS = new Set([
  'div',
  'section',
  'article',
  'main',
  'body',
  'header',
  'footer',
  'ol',
  'ul',
  'dl',
  'table',
  'tbody',
  'thead',
  'tr',
  'figure',
  'hgroup',
]);
const SKIP = new Set(['script', 'style', 'head', 'nav', 'aside', 'svg', 'math', 'img', 'audio', 'video', 'rt', 'rp']);

function tocFromNav(doc: Document, navFile: string): TocEntry[] {
  const navs = elements(doc, 'nav');
  const toc = navs.find((n) => /\btoc\b/.test(attr(n, 'type') ?? '')) ?? navs[0];
  if (!toc) return [];
  const out: TocEntry[] = [];
  for (const a of elements(toc, 'a')) {
    const href = attr(a, 'href');
    const title = clean(a.textContent ?? '');
    if (href && title) out.push({ title, ...resolveHref(navFile, href) });
  }
  return out;
}

function tocFromNcx(doc: Document, ncxFile: string): TocEntry[] {
  const out: TocEntry[] = [];
  for (const np of elements(doc, 'navpoint')) {
    const label = first(np, 'navlabel');
    const content = elements(np, 'content').find((c) => c.parentNode === np);
    const href = content ? attr(content, 'src') : null;
    const title = clean(label ? (first(label, 'text')?.textContent ?? '') : '');
    if (href && title) out.push({ title, ...resolveHref(ncxFile, href) });
  }
  return out;
}

/** Read an EPUB from its bytes. `name` is used in messages only. */
export async function readEpub(bytes: Buffer, name: string): Promise<EpubBook> {
  const zip = await BoundedZip.open(bytes, name);
  try {
    if (!zip.has('META-INF/container.xml')) throw invalid(name, 'it has no META-INF/container.xml');
    const container = parseXml(await zip.text('META-INF/container.xml'), 'META-INF/container.xml', name);
    const rootfile = first(container, 'rootfile');
    const opfFile = rootfile ? attr(rootfile, 'full-path') : null;
    if (!opfFile) throw invalid(name, 'its container.xml names no package document');
    const opf = parseXml(await zip.text(opfFile), opfFile, name);

    const metadata = first(opf, 'metadata');
    const title = clean((metadata && first(metadata, 'title')?.textContent) || '') || name.replace(/\.epub$/i, '');
    const author = clean((metadata && first(metadata, 'creator')?.textContent) || '') || null;
    const language = clean((metadata && first(metadata, 'language')?.textContent) || '') || null;

    const manifest = new Map<string, { file: string; mediaType: string; properties: string }>();
    for (const item of elements(opf, 'item')) {
      const id = attr(item, 'id');
      const href = attr(item, 'href');
      if (!id || !href) continue;
      manifest.set(id, {
        file: resolveHref(opfFile, href).file,
        mediaType: attr(item, 'media-type') ?? '',
        properties: attr(item, 'properties') ?? '',
      });
    }
    const spineEl = first(opf, 'spine');
    const spine: string[] = [];
    for (const ref of spineEl ? elements(spineEl, 'itemref') : []) {
      if (attr(ref, 'linear') === 'no') continue;
      const item = manifest.get(attr(ref, 'idref') ?? '');
      if (item && /x?html/.test(item.mediaType) && zip.has(item.file)) spine.push(item.file);
    }
    if (spine.length === 0) throw invalid(name, 'its reading order (spine) lists no readable documents');

    // Table of contents: EPUB 3 nav document, else the EPUB 2 NCX.
    let toc: TocEntry[] = [];
    const nav = [...manifest.values()].find((i) => /\bnav\b/.test(i.properties));
    if (nav && zip.has(nav.file)) toc = tocFromNav(parseXml(await zip.text(nav.file), nav.file, name, true), nav.file);
    if (toc.length === 0) {
      const ncxId = spineEl ? attr(spineEl, 'toc') : null;
      const ncx =
        (ncxId && manifest.get(ncxId)) ||
        [...manifest.values()].find((i) => i.mediaType === 'application/x-dtbncx+xml');
      if (ncx && zip.has(ncx.file)) toc = tocFromNcx(parseXml(await zip.text(ncx.file), ncx.file, name), ncx.file);
    }
    toc = toc.filter((t) => spine.includes(t.file));

    const chapters = await readChapters(zip, spine, toc, title, name);

    // Cover: EPUB 3 `properties="cover-image"`, else EPUB 2 `<meta name="cover" content="ID">`.
    let coverItem = [...manifest.values()].find((i) => /\bcover-image\b/.test(i.properties));
    if (!coverItem) {
      const meta = elements(opf, 'meta').find((m) => attr(m, 'name') === 'cover');
      const id = meta ? attr(meta, 'content') : null;
      if (id) coverItem = manifest.get(id);
    }
    let cover: EpubBook['cover'] = null;
    if (coverItem && /^image\/(jpeg|png)$/.test(coverItem.mediaType) && zip.has(coverItem.file)) {
      cover = {
        mediaType: coverItem.mediaType,
        bytes: await zip.read(coverItem.file, EPUB_LIMITS.coverBytesMax),
        fileName: path.basename(coverItem.file),
      };
    }
    return { title, author, language, chapters, cover };
  } finally {
    zip.close();
  }
}

async function readChapters(
  zip: BoundedZip,
  spine: string[],
  toc: TocEntry[],
  bookTitle: string,
  name: string,
): Promise<EpubChapter[]> {
  const chapters: EpubChapter[] = [];
  let current: EpubChapter | undefined;
  const start = (title: string) => {
    // Two TOC entries at the same place (a part and its first chapter): the later, more specific title wins.
    if (current && current.paragraphs.length === 0) current.title = title;
    else chapters.push((current = { title, paragraphs: [] }));
  };
  const useHeadings = toc.length === 0;
  for (const file of spine) {
    const doc = parseXml(await zip.text(file), file, name, true);
    const anchors = new Map<string, string>();
    for (const t of toc.filter((e) => e.file === file)) {
      if (t.fragment === null) start(t.title);
      else if (!anchors.has(t.fragment)) anchors.set(t.fragment, t.title);
    }
    const add = (text: string, tag: string) => {
      if (!text) return;
      if (useHeadings && /^h[12]$/.test(tag)) start(text);
      if (!current) chapters.push((current = { title: bookTitle, paragraphs: [] }));
      current.paragraphs.push(text);
    };
    // A container's children: blocks become paragraphs; runs of loose inline content between them do too.
    const visit = (container: El) => {
      let run = '';
      const flush = () => {
        add(clean(run), 'p');
        run = '';
      };
      for (let c = container.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3 || c.nodeType === 4) {
          run += c.nodeValue ?? '';
          continue;
        }
        if (c.nodeType !== 1) continue;
        const el = c as El;
        const tag = local(el);
        const id = attr(el, 'id');
        if (id && anchors.has(id)) {
          flush();
          start(anchors.get(id)!);
        }
        if (SKIP.has(tag) || /\b(footnote|endnote|noteref|pagebreak)\b/.test(attr(el, 'type') ?? '')) continue;
        if (tag === 'br') run += ' ';
        else if (BLOCKS.has(tag) || CONTAINERS.has(tag)) {
          flush();
          if (hasBlockChild(el)) visit(el);
          else add(blockText(el, anchors, start), tag);
        } else run += ` ${blockText(el, anchors, start)} `;
      }
      flush();
    };
    visit(first(doc, 'body') ?? doc.documentElement);
  }
  return chapters.filter((c) => c.paragraphs.length > 0);
}

function hasBlockChild(el: El): boolean {
  for (let c = el.firstChild; c; c = c.nextSibling)
    if (c.nodeType === 1 && (BLOCKS.has(local(c)) || CONTAINERS.has(local(c)))) return true;
  return false;
}

/** The text of a block element: inline markup flattened, footnote references and ruby annotations dropped. */
function blockText(el: El, anchors: Map<string, string>, start: (t: string) => void): string {
  let s = '';
  const walk = (n: Node) => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3 || c.nodeType === 4) s += c.nodeValue ?? '';
      else if (c.nodeType === 1) {
        const e = c as El;
        const tag = local(e);
        const id = attr(e, 'id');
        if (id && anchors.has(id) && s.trim() === '') start(anchors.get(id)!);
        if (tag === 'br') s += ' ';
        else if (SKIP.has(tag) || /\b(noteref|footnote|pagebreak)\b/.test(attr(e, 'type') ?? '')) continue;
        else walk(e);
      }
    }
  };
  walk(el);
  return clean(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Book → lines
// ---------------------------------------------------------------------------------------------------------------

/** Escape `[` and `]` so book text is never read as an inline tag ("[pause 1s]"). */
const escapeTags = (s: string) => s.replace(/[[\]]/g, (m) => `\\${m}`);

/**
 * The book as Studio lines: each chapter starts a chapter marker; each paragraph is split into sentence-sized lines
 * (no speaker prefixes or heading detection: a book's "Chapter 3: The Storm" paragraph is text to read).
 */
export function epubToScript(book: EpubBook): SplitScript {
  const out: SplitScript = { lines: [], chapters: [], speakers: [] };
  let paragraph = 0;
  for (const ch of book.chapters) {
    out.chapters.push({ title: ch.title.slice(0, 200), lineIndex: out.lines.length });
    for (const p of ch.paragraphs) {
      const split = splitScript(escapeTags(p), { detectSpeakers: false, detectHeadings: false, split: 'sentence' });
      for (const l of split.lines) out.lines.push({ text: l.text, paragraph });
      paragraph++;
    }
  }
  return out;
}
