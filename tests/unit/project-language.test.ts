/**
 * A project's language (migration 0050, `Project.language`, `projects.create { language }`, `projects.setLanguage`):
 * on real SQLite files, through the real core (with its real synthesis worker for the voices' languages).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { migrate, openDatabase } from '../../main/node/db/database.js';
import { migrations } from '../../main/node/db/migrations/index.js';
import { createRepos } from '../../main/node/db/repositories.js';
import { methods, type Project, type VoiceInfo } from '../../preload/contract/index.js';
import { integrityCheck } from '../helpers/hostile.js';
import { tempDir } from '../helpers/tmp.js';

describe('migration 0050: projects.language', () => {
  it('upgrades a database of the previous schema: existing projects report en until a language is chosen', () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'timbre.sqlite');
      const old = new Database(file);
      migrate(
        old,
        migrations.filter((m) => m.version < 50),
      );
      old.prepare("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'Old show', 't', 't')").run();
      old.close();

      const db = openDatabase(file);
      const repos = createRepos(db);
      expect(repos.projects.get('p1')).toMatchObject({ name: 'Old show', language: 'en' });
      expect(repos.projects.chosenLanguage('p1')).toBeNull();
      expect(repos.projects.adoptLanguage('p1', 'fr')).toBe(true);
      expect(repos.projects.adoptLanguage('p1', 'de')).toBe(false);
      expect(repos.projects.get('p1').language).toBe('fr');
      // The column refuses what is not a lower-case tag, whoever writes it.
      expect(() => db.prepare("UPDATE projects SET language = 'French' WHERE id = 'p1'").run()).toThrow(/CHECK/);
      expect(() => db.prepare("UPDATE projects SET language = 'x' WHERE id = 'p1'").run()).toThrow(/CHECK/);
      expect(() => db.prepare("UPDATE projects SET language = 'FR' WHERE id = 'p1'").run()).toThrow(/CHECK/);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    } finally {
      t.cleanup();
    }
  });
});

describe('contract', () => {
  it('Project carries a BCP-47 language; create and setLanguage accept only tags', () => {
    const create = methods['projects.create'].input;
    expect(create.safeParse({ name: 'A' }).success).toBe(true);
    expect(create.safeParse({ name: 'A', language: 'pt-BR' }).success).toBe(true);
    expect(create.safeParse({ name: 'A', language: 'zh-Hans-CN' }).success).toBe(true);
    for (const bad of ['French', 'EN', 'f', 'fr_FR', 'fr-', `fr-${'x'.repeat(9)}`, 'a'.repeat(36), ''])
      expect(create.safeParse({ name: 'A', language: bad }).success, bad).toBe(false);
    const set = methods['projects.setLanguage'].input;
    expect(set.safeParse({ id: 'prj_1', language: 'fr' }).success).toBe(true);
    expect(set.safeParse({ id: 'prj_1', language: 'fr', extra: 1 }).success).toBe(false);
    const out = methods['projects.setLanguage'].output;
    expect(
      out.safeParse({ id: 'prj_1', name: 'A', createdAt: 't', updatedAt: 't', lineCount: 0, language: 'fr' }).success,
    ).toBe(true);
    expect(out.safeParse({ id: 'prj_1', name: 'A', createdAt: 't', updatedAt: 't', lineCount: 0 }).success).toBe(false);
  });
});

describe('through the core (real database, real synthesis worker)', () => {
  let core: Core;
  let t: { dir: string; cleanup: () => void };
  let voices: VoiceInfo[];
  const call = async <T>(method: string, params: unknown): Promise<T> => {
    const r = await core.dispatch(method as never, params as never);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.result as T;
  };

  beforeAll(async () => {
    t = tempDir();
    core = await createCore({ dataDir: t.dir, transport: 'web', version: 'test' });
    voices = await call<VoiceInfo[]>('voices.list', {});
  });
  afterAll(async () => {
    await core.close();
    t.cleanup();
  });

  const voiceIn = (lang: string) => {
    const v = voices.find((x) => x.engineId === 'espeak' && x.language.split('-')[0] === lang);
    if (!v) throw new Error(`no eSpeak voice in ${lang}`);
    return v;
  };

  it('creates with a language, or reports en until one is chosen', async () => {
    const fr = await call<Project>('projects.create', { name: 'Émission', language: 'fr' });
    expect(fr.language).toBe('fr');
    const plain = await call<Project>('projects.create', { name: 'Show' });
    expect(plain.language).toBe('en');
    const list = await call<Project[]>('projects.list', {});
    expect(list.find((p) => p.id === fr.id)?.language).toBe('fr');
    expect(list.find((p) => p.id === plain.id)?.language).toBe('en');
  });

  it("takes its first voice's language when none was chosen, and keeps it afterwards", async () => {
    const p = await call<Project>('projects.create', { name: 'Sendung' });
    const de = voiceIn('de');
    const after = await call<Project>('projects.setVoice', { id: p.id, voiceId: de.id });
    expect(after.language.split('-')[0]).toBe('de');
    const en = voiceIn('en');
    expect((await call<Project>('projects.setVoice', { id: p.id, voiceId: en.id })).language.split('-')[0]).toBe('de');
    expect((await call<{ language: string }>('projects.get', { id: p.id })).language.split('-')[0]).toBe('de');
  });

  it('a chosen language is never replaced by a voice', async () => {
    const p = await call<Project>('projects.create', { name: 'Show', language: 'en' });
    expect((await call<Project>('projects.setVoice', { id: p.id, voiceId: voiceIn('fr').id })).language).toBe('en');
    const set = await call<Project>('projects.setLanguage', { id: p.id, language: 'it' });
    expect(set.language).toBe('it');
    expect((await call<Project>('projects.setVoice', { id: p.id, voiceId: voiceIn('de').id })).language).toBe('it');
  });

  it("a project from before project languages, with a voice, takes that voice's language when opened", async () => {
    const p = await call<Project>('projects.create', { name: 'Ancien' });
    const fr = voiceIn('fr');
    await call('projects.setVoice', { id: p.id, voiceId: fr.id });
    // As migration 0050 leaves an older project: a voice, no language.
    const raw = new Database(path.join(t.dir, 'timbre.sqlite'));
    raw.prepare('UPDATE projects SET language = NULL WHERE id = ?').run(p.id);
    raw.close();
    expect((await call<Project[]>('projects.list', {})).find((x) => x.id === p.id)?.language).toBe('en');
    expect((await call<{ language: string }>('projects.get', { id: p.id })).language.split('-')[0]).toBe('fr');
    expect((await call<Project[]>('projects.list', {})).find((x) => x.id === p.id)?.language.split('-')[0]).toBe('fr');
  });

  it('refuses a bad tag or an unknown project and changes nothing', async () => {
    const p = await call<Project>('projects.create', { name: 'Show', language: 'fr' });
    for (const params of [
      { id: p.id, language: 'Français' },
      { id: p.id, language: 'FR' },
    ]) {
      const r = await core.dispatch('projects.setLanguage', params);
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    const missing = await core.dispatch('projects.setLanguage', { id: 'prj_missing', language: 'fr' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await call<Project>('projects.get', { id: p.id })).language).toBe('fr');
    expect(integrityCheck(t.dir)).toBe('ok');
  });
});
