import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { createCore, type Core } from '../../main/node/core.js';
import type { ProjectDetail } from '../../preload/contract/index.js';
import { tempDir } from '../helpers/tmp.js';
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

describe('EPUB import into a project (real core and database)', () => {
  const t = tempDir('timbre-epub-core-');
  let core: Core | undefined;
  afterAll(async () => {
    await core?.close();
    t.cleanup();
  });
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await core!.dispatch(method, params);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };

  it('imports a book from a path and from an upload: chapters at their lines, cover kept, removed with the project', async () => {
    core = await createCore({ dataDir: path.join(t.dir, 'data'), transport: 'web', version: 'test' });
    const bytes = await buildEpub({ chapters, toc: 'ncx', cover: { bytes: PNG, mediaType: 'image/png' } });
    const file = path.join(t.dir, 'The Mill.epub');
    writeFileSync(file, bytes);
    const { id } = await call<{ id: string }>('projects.create', { name: 'Audiobook' });
    const d = await call<ProjectDetail>('script.import', { projectId: id, source: { path: file } });
    const starts = d.lines.filter((l) => l.chapter !== null);
    expect(starts.map((l) => l.chapter)).toEqual(chapters.map((c) => c.title));
    expect(starts.map((l) => l.text)).toEqual(chapters.map((c) => c.title));
    expect(d.lines.every((l) => l.speaker === null)).toBe(true);
    const cover = path.join(t.dir, 'data', 'covers', `${id}.png`);
    expect(readFileSync(cover).equals(PNG)).toBe(true);

    const up = await call<ProjectDetail>('script.import', {
      projectId: id,
      source: { fileName: 'mill.epub', base64: (await buildEpub({ chapters, toc: 'nav' })).toString('base64') },
      mode: 'replace',
    });
    expect(up.lines.map((l) => l.text)).toEqual(d.lines.map((l) => l.text));

    const bad = await core.dispatch('script.import', {
      projectId: id,
      source: {
        fileName: 'bomb.epub',
        base64: (await zipOf({ 'a.xhtml': Buffer.alloc(40 * 1024 * 1024) })).toString('base64'),
      },
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toMatch(/would inflate to 40 MiB/);
    expect((await call<ProjectDetail>('projects.get', { id })).lines).toHaveLength(up.lines.length);

    await call('projects.delete', { id });
    expect(existsSync(cover)).toBe(false);
  }, 60_000);
});
