/**
 * Language names for voice groups: Intl.DisplayNames in the UI's language, with fallbacks for the codes engines
 * use that it does not know as a whole ("chr-US-Qaaa-x-west" → "Cherokee (United States)", "hy-arevmda" → "Armenian"):
 * the private-use part and then one subtag after another are dropped until a name is found. Browsers ship a reduced
 * set of language names (Chromium does not name "cv" or "ba"): then the engine's own name for it (`hint`), else the
 * code itself.
 */
const cache = new Map<string, string>();

const looksLikeCode = (name: string, code: string) =>
  name.toLowerCase() === code.toLowerCase() || /^[a-z]{2,3}(-[a-z0-9]+)*$/i.test(name);

export function languageLabel(code: string, locale: string, hint?: string): string {
  const key = `${locale}|${code}|${hint ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([locale, 'en'], { type: 'language', fallback: 'code' });
  } catch {
    names = null;
  }
  // Last resort: what the engine calls the language (eSpeak names each voice after it: "cv" → "Chuvash").
  let label = hint?.trim() || code;
  if (names) {
    let parts = code.replace(/[-_]x[-_].*$/i, '').split(/[-_]/);
    for (; parts.length; parts = parts.slice(0, -1)) {
      const candidate = parts.join('-');
      try {
        const name = names.of(candidate);
        if (name && !looksLikeCode(name, candidate)) {
          label = name;
          break;
        }
      } catch {
        // not a well-formed tag: try a shorter one
      }
    }
  }
  cache.set(key, label);
  return label;
}

/** The engine's name for a language group: eSpeak names each voice after its language. */
export const groupHint = (voices: readonly { engineId: string; name: string }[]) =>
  voices.find((v) => v.engineId === 'espeak')?.name;

/** The primary language subtag ("en-US" → "en"; "cmn" stays). */
export const primaryLanguage = (code: string) => code.toLowerCase().split(/[-_]/)[0];

/**
 * Order language groups the way a person looks for them: first the UI's language, then the browser's languages,
 * then the languages of voices already in use (the open project's, the library's), then the rest by name.
 */
export function rankLanguages<G extends { lang: string; name: string }>(
  groups: G[],
  preferred: readonly string[],
): G[] {
  const rank = new Map<string, number>();
  preferred.forEach((p, i) => {
    const k = primaryLanguage(p);
    if (!rank.has(k)) rank.set(k, i);
  });
  const r = (g: G) => rank.get(primaryLanguage(g.lang)) ?? Number.MAX_SAFE_INTEGER;
  return [...groups].sort((a, b) => r(a) - r(b) || a.name.localeCompare(b.name));
}

/** The languages to put first: the UI locale, the browser's languages, then `used` (languages of voices in use). */
export function preferredLanguages(uiLocale: string, used: readonly string[]): string[] {
  const nav = typeof navigator !== 'undefined' ? (navigator.languages ?? []) : [];
  return [uiLocale, ...nav, ...used];
}

/** Languages of the voices in use: the open project's (project, speakers, lines) and the library's. */
export function usedLanguages(
  voices: readonly { id: string; language: string }[],
  inUse: readonly (string | null | undefined)[],
): string[] {
  const byId = new Map(voices.map((v) => [v.id, v.language]));
  const out: string[] = [];
  for (const id of inUse) {
    const lang = id ? byId.get(id) : undefined;
    if (lang && !out.includes(lang)) out.push(lang);
  }
  for (const v of voices) if (v.id.startsWith('library:') && !out.includes(v.language)) out.push(v.language);
  return out;
}
