import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { appliedMigrations, migrate, openDatabase } from '../../main/node/db/database.js';
import { migrations } from '../../main/node/db/migrations/index.js';
import { createRepos } from '../../main/node/db/repositories.js';
import { tempDir } from '../helpers/tmp.js';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function freshFile(): string {
  const t = tempDir();
  cleanup = t.cleanup;
  return path.join(t.dir, 'timbre.sqlite');
}

describe('migrations', () => {
  it('creates a fresh database in WAL mode with foreign keys and records every migration', () => {
    const db = openDatabase(freshFile());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(appliedMigrations(db).map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    expect(db.pragma('user_version', { simple: true })).toBe(migrations[migrations.length - 1].version);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(tables).toEqual(
      expect.arrayContaining(['projects', 'lines', 'takes', 'settings', 'jobs', 'voices', 'schema_migrations']),
    );
    db.close();
  });

  it('upgrades a database written by the previous schema without losing data', () => {
    const file = freshFile();
    const old = new Database(file);
    migrate(old, migrations.slice(0, 1));
    old.prepare("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'Old show', 't', 't')").run();
    old
      .prepare(
        "INSERT INTO lines (id, project_id, position, text, updated_at) VALUES ('l1', 'p1', 0, 'Kept line', 't')",
      )
      .run();
    old
      .prepare(
        "INSERT INTO takes (id, line_id, project_id, file, engine_id, voice_id, text, sample_rate, duration_ms, created_at) VALUES ('t1','l1','p1','p1/t1.wav','espeak','espeak:en','Kept line',22050,1000,'t')",
      )
      .run();
    expect(appliedMigrations(old).map((m) => m.version)).toEqual([1]);
    old.close();

    const db = openDatabase(file);
    expect(appliedMigrations(db).map((m) => m.version)).toEqual(migrations.map((m) => m.version));
    const repos = createRepos(db);
    const detail = repos.projects.detail('p1', repos.lines);
    expect(detail.name).toBe('Old show');
    expect(detail.lines.map((l) => l.text)).toEqual(['Kept line']);
    expect(repos.takes.row('t1').settings).toBe('{}');
    expect(detail.lines[0].options).toEqual({});
    expect(detail.options).toEqual({});
    expect(repos.jobs.list()).toEqual([]);
    db.close();
  });

  it('running migrations twice is a no-op', () => {
    const db = openDatabase(freshFile());
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('refuses a database from a newer Timbre with a clear message', () => {
    const file = freshFile();
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 't')").run();
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer Timbre/);
  });

  it('rolls back a failing migration completely', () => {
    const db = new Database(freshFile());
    const bad = [
      ...migrations,
      {
        version: migrations[migrations.length - 1].version + 1,
        name: 'broken',
        up: (d: Database.Database) => d.exec('CREATE TABLE x (a); SELECT * FROM nope;'),
      },
    ];
    expect(() => migrate(db, bad)).toThrow(/nope/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).toBeUndefined();
    expect(appliedMigrations(db).length).toBe(migrations.length);
    db.close();
  });
});

describe('repositories', () => {
  it('projects, lines and ordering round-trip through a real SQLite file', () => {
    const file = freshFile();
    let db = openDatabase(file);
    let r = createRepos(db);
    const p = r.projects.create('Episode 1');
    const a = r.lines.add(p.id, 'first');
    const c = r.lines.add(p.id, 'third');
    const b = r.lines.add(p.id, 'second', 1);
    expect(r.lines.list(p.id).map((l) => l.text)).toEqual(['first', 'second', 'third']);
    r.lines.reorder(p.id, [c.id, a.id, b.id]);
    r.lines.update(a.id, { text: 'first, edited' });
    r.lines.delete(c.id);
    db.close();

    db = openDatabase(file);
    r = createRepos(db);
    const d = r.projects.detail(p.id, r.lines);
    expect(d.lines.map((l) => [l.position, l.text])).toEqual([
      [0, 'first, edited'],
      [1, 'second'],
    ]);
    expect(r.projects.list()[0].lineCount).toBe(2);
    db.close();
  });

  it('reorder refuses a list that is not exactly the project lines', () => {
    const db = openDatabase(freshFile());
    const r = createRepos(db);
    const p = r.projects.create('P');
    const a = r.lines.add(p.id, 'a');
    r.lines.add(p.id, 'b');
    expect(() => r.lines.reorder(p.id, [a.id])).toThrow(/every line/);
    expect(() => r.lines.reorder(p.id, [a.id, a.id])).toThrow(/every line/);
    db.close();
  });

  it('deleting a project cascades to lines, takes and jobs and reports the take files', () => {
    const db = openDatabase(freshFile());
    const r = createRepos(db);
    const p = r.projects.create('P');
    const l = r.lines.add(p.id, 'hello');
    r.takes.insert({
      id: 'tk1',
      line_id: l.id,
      project_id: p.id,
      file: `${p.id}/tk1.wav`,
      engine_id: 'espeak',
      voice_id: 'espeak:en',
      text: 'hello',
      sample_rate: 22050,
      duration_ms: 500,
      settings: '{}',
    });
    r.jobs.create(p.id, l.id);
    expect(r.projects.delete(p.id)).toEqual([`${p.id}/tk1.wav`]);
    for (const t of ['lines', 'takes', 'jobs'])
      expect((db.prepare(`SELECT COUNT(*) n FROM ${t}`).get() as { n: number }).n).toBe(0);
    expect(() => r.projects.get(p.id)).toThrow(/does not exist/);
    db.close();
  });

  it('unknown ids give NOT_FOUND errors naming the id', () => {
    const db = openDatabase(freshFile());
    const r = createRepos(db);
    expect(() => r.lines.update('ln_missing', { text: 'x' })).toThrow(/Line "ln_missing" does not exist/);
    expect(() => r.lines.add('prj_missing', 'x')).toThrow(/Project "prj_missing"/);
    db.close();
  });

  it('marks queued and running jobs interrupted after a crash', () => {
    const db = openDatabase(freshFile());
    const r = createRepos(db);
    const p = r.projects.create('P');
    const l = r.lines.add(p.id, 'x');
    const j1 = r.jobs.create(p.id, l.id);
    const j2 = r.jobs.create(p.id, l.id);
    r.jobs.update(j2.id, { status: 'running' });
    const j3 = r.jobs.create(p.id, l.id);
    r.jobs.update(j3.id, { status: 'done' });
    expect(r.jobs.markInterrupted()).toBe(2);
    expect(r.jobs.get(j1.id).status).toBe('interrupted');
    expect(r.jobs.get(j1.id).error?.message).toMatch(/stopped/);
    expect(r.jobs.get(j3.id).status).toBe('done');
    db.close();
  });

  it('settings have defaults and persist patches', () => {
    const db = openDatabase(freshFile());
    const r = createRepos(db);
    expect(r.settings.get()).toEqual({
      theme: 'system',
      locale: 'en',
      defaultVoiceId: null,
      executionProvider: 'auto',
      inferenceThreads: null,
      resumeInterruptedJobs: true,
    });
    r.settings.update({ theme: 'dark', locale: 'zh-CN' });
    expect(r.settings.get()).toMatchObject({ theme: 'dark', locale: 'zh-CN' });
    db.close();
  });
});
