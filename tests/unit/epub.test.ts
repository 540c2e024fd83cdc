import { describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { ApiError } from '../../native-models/common/errors.js';
import { epubToScript, readEpub } from '../../main/node/studio/epub.js';
import { buildEpub, type TestChapter } from '../helpers/epub.js';

const chapters: TestChapter[] = [
  {
    title: 'Chapter 1: The Mill',
    paragraphs: [
      'The mill stood by the river. Nobody had worked it for years.',
      'Chapter 3: this paragraph only looks like a heading, and [sic] has brackets.',
    ],
  },
  { title: 'Chapter 2: Flour', paragraphs: ['Mr. Baker came at dawn.', 'HOST: not a speaker in a book.'] },
  { title: 'Epilogue', paragraphs: ['It ended well — mostly.'] },
];
// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A minimal one-document EPUB around the given XHTML (or raw bytes). */
async function zipOf(docs: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.from('application/epub+zip'), 'mimetype');
  z.addBuffer(
    Buffer.from(
      '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="c.opf"/></rootfiles></container>',
    ),
    'META-INF/container.xml',
  );
  const names = Object.keys(docs);
  z.addBuffer(
    Buffer.from(
      `<package xmlns="http://www.idpf.org/2007/opf"><metadata/><manifest>${names.map((n, i) => `<item id="d${i}" href="${n}" media-type="application/xhtml+xml"/>`).join('')}</manifest><spine>${names.map((_, i) => `<itemref idref="d${i}"/>`).join('')}</spine></package>`,
    ),
    'c.opf',
  );
  for (const [n, v] of Object.entries(docs)) z.addBuffer(Buffer.isBuffer(v) ? v : Buffer.from(v), n);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('EPUB import', () => {
  for (const toc of ['nav', 'ncx', 'none'] as const)
    for (const oneFile of [false, true])
      it(`reads chapters from ${toc === 'none' ? 'the headings' : `the ${toc} table of contents`}${oneFile ? ' (one file, #anchors)' : ''}`, async () => {
        const book = await readEpub(await buildEpub({ chapters, toc, oneFile, title: 'The Mill Book' }), 'mill.epub');
        expect(book.title).toBe('The Mill Book');
        expect(book.author).toBe('A. Writer');
        expect(book.language).toBe('en');
        expect(book.chapters.map((c) => c.title)).toEqual(chapters.map((c) => c.title));
        // Each chapter reads its heading, then its paragraphs.
        book.chapters.forEach((c, i) => expect(c.paragraphs).toEqual([chapters[i].title, ...chapters[i].paragraphs]));
      });

  it('turns the book into lines: chapters at the right lines, no speakers, no headings, brackets escaped', async () => {
    const split = epubToScript(await readEpub(await buildEpub({ chapters }), 'mill.epub'));
    expect(split.speakers).toEqual([]);
    expect(split.chapters.map((c) => c.title)).toEqual(chapters.map((c) => c.title));
    const texts = split.lines.map((l) => l.text);
    expect(texts[split.chapters[0].lineIndex]).toBe('Chapter 1: The Mill');
    expect(texts[split.chapters[1].lineIndex]).toBe('Chapter 2: Flour');
    expect(texts).toContain('The mill stood by the river.');
    expect(texts).toContain('Nobody had worked it for years.');
    expect(texts).toContain('Mr. Baker came at dawn.');
    expect(texts).toContain('HOST: not a speaker in a book.');
    expect(texts.some((t) => t.includes('\\[sic\\]'))).toBe(true);
    // Paragraph numbers change between paragraphs, not between the sentences of one.
    const a = split.lines.find((l) => l.text === 'The mill stood by the river.')!;
    const b = split.lines.find((l) => l.text === 'Nobody had worked it for years.')!;
    expect(a.paragraph).toBe(b.paragraph);
  });

  it('keeps the cover image (EPUB 3 cover-image and EPUB 2 meta cover)', async () => {
    for (const toc of ['nav', 'ncx'] as const) {
      const book = await readEpub(
        await buildEpub({ chapters, toc, cover: { bytes: PNG, mediaType: 'image/png' } }),
        'c.epub',
      );
      expect(book.cover?.mediaType).toBe('image/png');
      expect(book.cover?.bytes.equals(PNG)).toBe(true);
    }
    expect((await readEpub(await buildEpub({ chapters }), 'c.epub')).cover).toBeNull();
  });

  it('reads HTML entities and inline markup as text, skips footnotes and their references', async () => {
    const hand = await readEpub(
      await zipOf({
        'a.xhtml':
          '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body><h1>Start&nbsp;Here</h1><p>It was <em>very</em> cold&mdash;colder than ever.<a epub:type="noteref" href="#n1">1</a></p><div>Loose <b>text</b> line</div><aside epub:type="footnote" id="n1">A note.</aside></body></html>',
      }),
      'hand.epub',
    );
    expect(hand.chapters.map((c) => c.title)).toEqual(['Start Here']);
    expect(hand.chapters[0].paragraphs).toEqual([
      'Start Here',
      'It was very cold—colder than ever.',
      'Loose text line',
    ]);
  });

  it('refuses a zip bomb before inflating it, with a specific message and bounded memory', async () => {
    // 40 MiB of zeros deflates to ~40 KiB: over the per-document size and the compression-ratio limits.
    const huge = Buffer.alloc(40 * 1024 * 1024);
    const bomb = await zipOf({ 'a.xhtml': huge });
    expect(bomb.length).toBeLessThan(100_000);
    const before = process.memoryUsage().rss;
    const err = await readEpub(bomb, 'bomb.epub').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/"bomb\.epub".*"a\.xhtml" would inflate to 40 MiB/);
    expect(process.memoryUsage().rss - before).toBeLessThan(30 * 1024 * 1024);
    // Under the size limit but compressed 1000:1: refused on the ratio.
    const dense = await readEpub(await zipOf({ 'a.xhtml': Buffer.alloc(8 * 1024 * 1024) }), 'dense.epub').catch(
      (e: unknown) => e,
    );
    expect((dense as ApiError).message).toMatch(/compressed \d+:1, the mark of a zip bomb/);
  });

  it('names what is wrong with a file that is not an EPUB', async () => {
    await expect(readEpub(Buffer.from('hello'), 'notes.epub')).rejects.toThrow(
      /"notes\.epub" cannot be read as an EPUB book: it is not a zip archive/,
    );
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from('x'), 'readme.txt');
    z.end();
    const chunks: Buffer[] = [];
    for await (const c of z.outputStream as AsyncIterable<Buffer>) chunks.push(c);
    await expect(readEpub(Buffer.concat(chunks), 'z.epub')).rejects.toThrow(/no META-INF\/container\.xml/);
  });
});
