import { randomBytes } from 'node:crypto';

/** A short, URL-safe, time-ordered id: 8 hex chars of time + 12 random chars. */
export function newId(prefix: string): string {
  const t = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `${prefix}_${t}${randomBytes(9).toString('base64url')}`;
}

export const nowIso = () => new Date().toISOString();
