/**
 * Model pack manifests: what a pack contains, where each file comes from (URL pinned to a revision), and the size and
 * sha256 every file must have. The pack manager refuses any file that does not match.
 */
import { z } from 'zod';

const SHA256 = /^[0-9a-f]{64}$/;
/** A git commit / hub revision: 40 hex digits as one path segment. */
const PINNED_REVISION = /\/[0-9a-f]{40}\//;
/** https://github.com/<owner>/<repo>/releases/download/<tag>/<file> */
const GITHUB_RELEASE_ASSET = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/releases\/download\/[^/]+\/[^/]+$/;

/** A relative POSIX path inside the pack folder: no absolute paths, no `..`, no backslashes, no empty segments. */
export function isSafeRelativePath(p: string): boolean {
  if (!p || p.length > 255 || p.includes('\\') || p.includes('\0')) return false;
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export const packFileSchema = z.object({
  /** Path inside the pack folder, POSIX separators. */
  path: z.string().refine(isSafeRelativePath, { message: 'must be a relative path inside the pack (no "..", no "/")' }),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(SHA256, 'must be 64 lower-case hex digits'),
  url: z.url({ protocol: /^https?$/ }),
});
export type PackFile = z.infer<typeof packFileSchema>;

export const presetVoiceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  name: z.string().min(1),
  /** Reference audio inside the pack. */
  file: z.string().refine(isSafeRelativePath),
  attribution: z.string().optional(),
});

export const licenceSchema = z
  .object({
    /** SPDX id, e.g. MIT, CC-BY-4.0. */
    id: z.string().min(1),
    url: z.url().optional(),
    text: z.string().optional(),
    /** File inside the pack that holds the licence text. */
    file: z.string().refine(isSafeRelativePath).optional(),
  })
  .refine((l) => l.url || l.text || l.file, { message: 'a licence needs its text, a URL or a file' });

export const packArchiveSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(SHA256, 'must be 64 lower-case hex digits'),
  format: z.literal('tar.bz2'),
  /** The folder inside the archive that holds the files (entries are looked up as `<root>/<path>`). */
  root: z.string().refine(isSafeRelativePath).optional(),
});
export type PackArchive = z.infer<typeof packArchiveSchema>;

export const packManifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
    version: z.string().min(1),
    name: z.string().min(1),
    description: z.string().optional(),
    kind: z.enum(['tts', 'vad', 'enhance', 'asr', 'speaker', 'separation']),
    capabilities: z.object({
      cloning: z.boolean(),
      presetVoices: z.array(presetVoiceSchema),
      /** BCP-47 tags; 'mul' for language-independent models. */
      languages: z.array(z.string().min(2)).min(1),
    }),
    files: z.array(packFileSchema).min(1),
    licence: licenceSchema,
    /** The user must see the licence/terms and accept them before download or import. */
    requiresTermsAcceptance: z.boolean(),
    /** Where the files come from (human-readable). */
    source: z.string().optional(),
    /**
     * The files are published inside one archive (e.g. sherpa-onnx's `.tar.bz2` releases): the archive is
     * downloaded and verified (size + sha256), then only the pinned files are extracted and verified again. Each
     * file's `url` is then the archive's URL.
     */
    archive: packArchiveSchema.optional(),
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const f of m.files) {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', message: `duplicate file path ${f.path}`, path: ['files'] });
      seen.add(f.path);
    }
    for (const v of m.capabilities.presetVoices)
      if (!seen.has(v.file))
        ctx.addIssue({
          code: 'custom',
          message: `voice ${v.id}: ${v.file} is not a pack file`,
          path: ['capabilities'],
        });
    if (m.archive)
      m.files.forEach((f, i) => {
        if (f.url !== m.archive!.url)
          ctx.addIssue({
            code: 'custom',
            message: `${f.path}: a file of an archive pack must name the archive's URL`,
            path: ['files', i, 'url'],
          });
      });
    if (m.licence.file && !seen.has(m.licence.file))
      ctx.addIssue({ code: 'custom', message: `licence file ${m.licence.file} is not a pack file`, path: ['licence'] });
  });
export type PackManifest = z.infer<typeof packManifestSchema>;

/**
 * Stricter rules for packs the product ships in its catalog: every URL is https and pinned to a 40-hex revision, so
 * a moved branch can never change what is downloaded (the sha256 would catch it, but the pin says it up front).
 */
export const catalogEntrySchema = packManifestSchema.superRefine((m, ctx) => {
  if (m.archive) {
    // A GitHub release asset has no commit in its URL (a tag can move): it is pinned by its size and sha256, which
    // the pack manager checks before anything is extracted, and each extracted file is pinned again.
    const u = m.archive.url;
    if (!u.startsWith('https://') || (!GITHUB_RELEASE_ASSET.test(u) && !PINNED_REVISION.test(u)))
      ctx.addIssue({
        code: 'custom',
        message: 'the archive URL must be https and a GitHub release asset or pinned to a revision',
        path: ['archive', 'url'],
      });
    return;
  }
  m.files.forEach((f, i) => {
    if (!f.url.startsWith('https://'))
      ctx.addIssue({ code: 'custom', message: `${f.path}: URL must be https`, path: ['files', i, 'url'] });
    // A GitHub release asset (sherpa-onnx publishes its models so) is pinned by size and sha256 alone.
    if (!PINNED_REVISION.test(f.url) && !GITHUB_RELEASE_ASSET.test(f.url))
      ctx.addIssue({
        code: 'custom',
        message: `${f.path}: URL must be pinned to a revision (40-hex commit)`,
        path: ['files', i, 'url'],
      });
  });
});

export function totalBytes(m: PackManifest): number {
  return m.files.reduce((n, f) => n + f.bytes, 0);
}
