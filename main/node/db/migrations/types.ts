import type Database from 'better-sqlite3';

export interface Migration {
  /** Strictly increasing, matches the file name's number. */
  version: number;
  name: string;
  up(db: Database.Database): void;
}
