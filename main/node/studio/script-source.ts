/**
 * Reading a script from pasted text, a file on this computer or a browser upload: .txt, .md, .srt, .vtt, .docx, .epub.
 * Subtitles become one paragraph per cue; Markdown goes through markdownToScript; .docx through mammoth (raw text);
 * an EPUB book comes back structured (chapters, paragraphs, cover: `epub.ts`).
 */
import { readInputFile } from '../../../native-models/common/safe-fs.js';
import { boundedDocx } from './docx-guard.js';
import path from 'node:path';
import { LIMITS } from '../../../preload/contract/index.js';
import { ApiError } from '../../../native-models/common/errors.js';
import { markdownToScript } from '../../common/script/markdown.js';
import { parseSrt, parseVtt, SubtitleParseError } from '../../common/script/subtitles.js';
import { EPUB_LIMITS, readEpub, type EpubBook } from './epub.js';

export type ScriptFormat = 'txt' | 'md' | 'srt' | 'vtt';
/** What a source reads as: script text for the splitter, or an already structured book. */
export type ScriptContent = { text: string } | { book: EpubBook };
export type ScriptSourceInput =
  { text: string; format: ScriptFormat } | { path: string } | { fileName: string; base64: string };

const EXTENSIONS: Record<string, ScriptFormat | 'docx' | 'epub'> = {
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.srt': 'srt',
  '.vtt': 'vtt',
  '.docx': 'docx',
  '.epub': 'epub',
};
const SUPPORTED = '.txt, .md, .srt, .vtt, .docx and .epub';

function formatOf(fileName: string): ScriptFormat | 'docx' | 'epub' {
  const ext = path.extname(fileName).toLowerCase();
  const f = EXTENSIONS[ext];
  if (!f)
    throw new ApiError(
      'INVALID_INPUT',
      ext === '.doc'
        ? `"${path.basename(fileName)}" is an old Word .doc file: save it as .docx (or plain text) and import that.`
        : `Timbre imports scripts from ${SUPPORTED} files; "${path.basename(fileName)}" is ${ext ? `a ${ext} file` : 'a file without an extension'}. Save it as plain text (.txt) and import that.`,
      { fileName: path.basename(fileName), supported: Object.keys(EXTENSIONS) },
    );
  return f;
}

function decodeText(bytes: Uint8Array, name: string): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)))
    return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes);
  if (bytes.includes(0)) throw new ApiError('INVALID_INPUT', `"${name}" is not a text file (it contains binary data).`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(
      'INVALID_INPUT',
      `"${name}" is not UTF-8 text: save it with UTF-8 encoding and import it again.`,
    );
  }
}

async function docxText(bytes: Buffer, name: string): Promise<string> {
  const mammoth = await import('mammoth');
  // Sizes and ratios checked and the total inflated capped before mammoth sees it (docx-guard.ts: zip bombs).
  const bounded = await boundedDocx(bytes, name);
  try {
    const r = await mammoth.extractRawText({ buffer: bounded });
    return r.value;
  } catch (err) {
    throw new ApiError(
      'INVALID_INPUT',
      `"${name}" could not be read as a Word document (${err instanceof Error ? err.message : String(err)}).`,
    );
  }
}

/** Subtitles → one paragraph per cue (cue line breaks are soft wraps). */
function subtitlesToScript(text: string, format: 'srt' | 'vtt', name: string): string {
  try {
    const cues = format === 'srt' ? parseSrt(text) : parseVtt(text);
    return cues
      .map((c) => c.text.replace(/<[^>]+>/g, '').replace(/\n/g, ' '))
      .map((t, i) => (cues[i].speaker ? `${cues[i].speaker}: ${t}` : t))
      .join('\n\n');
  } catch (err) {
    if (err instanceof SubtitleParseError)
      throw new ApiError('INVALID_INPUT', `"${name}" is not valid ${format.toUpperCase()}: ${err.message}`);
    throw err;
  }
}

/** Plain script text in the splitter's format. */
export function toScriptText(text: string, format: ScriptFormat, name = 'The script'): string {
  switch (format) {
    case 'txt':
      return text;
    case 'md':
      return markdownToScript(text);
    case 'srt':
    case 'vtt':
      return subtitlesToScript(text, format, name);
  }
}

/** Read any accepted source: plain script text (not yet split), or a structured book. */
export async function readScriptSource(source: ScriptSourceInput): Promise<ScriptContent> {
  if ('text' in source) return { text: toScriptText(source.text, source.format) };
  let bytes: Buffer;
  let name: string;
  let format: ScriptFormat | 'docx' | 'epub';
  if ('path' in source) {
    name = path.basename(source.path);
    format = formatOf(source.path);
    // A regular file only (never a FIFO or a device: safe-fs.ts), read with a size limit.
    bytes = await readInputFile(source.path, {
      what: 'The script',
      missingCode: 'NOT_FOUND',
      maxBytes: format === 'epub' ? EPUB_LIMITS.fileBytesMax : LIMITS.scriptUploadBytesMax * 4,
      tooLarge: (size) => `"${name}" is too large for a script (${Math.round(size / 1048576)} MiB)`,
    });
  } else {
    name = path.basename(source.fileName);
    format = formatOf(source.fileName);
    bytes = Buffer.from(source.base64, 'base64');
    if (bytes.length > LIMITS.scriptUploadBytesMax)
      throw new ApiError(
        'INVALID_INPUT',
        `"${name}" is too large to upload (at most ${LIMITS.scriptUploadBytesMax / 1048576} MiB): split it into parts.`,
      );
  }
  if (format === 'epub') return { book: await readEpub(bytes, name) };
  if (format === 'docx') return { text: await docxText(bytes, name) };
  return { text: toScriptText(decodeText(bytes, name), format, name) };
}
