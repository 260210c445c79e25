// The archive's schema, in the order it was built: each migration is applied once (archive/db.ts). A released
// migration never changes; a change to the schema is a new one at the end.
import { TRAIL } from './001-trail';
import { DRIFT } from './002-drift';

export interface Migration {
  name: string;
  /** Statements separated by `;` at the end of a line; no `$$` bodies. */
  sql: string;
}

export const MIGRATIONS: Migration[] = [TRAIL, DRIFT];
