import type { Migration } from './types.js';

/**
 * A project's language (BCP-47 tag, e.g. `fr`, `pt-BR`): it filters the voice picker and is what the project is
 * spoken in. NULL until chosen: the project then reports `en`, and the first voice given to it sets it
 * (docs/voices-multilingual.md, "Languages, bundles and the picker").
 */
export const migration0050: Migration = {
  version: 50,
  name: 'project-language',
  up(db) {
    db.exec(`
      ALTER TABLE projects ADD COLUMN language TEXT
        CHECK (language IS NULL OR (length(language) BETWEEN 2 AND 35 AND language GLOB '[a-z][a-z]*'));
    `);
  },
};
