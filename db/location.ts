import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The file a libSQL URL names, or null when it names no local file (a server, memory). */
export function databaseFile(url: string): string | null {
  if (!url.startsWith('file:') || url.startsWith('file::memory:') || url.includes('mode=memory')) return null;
  const path =
    url
      .slice('file:'.length)
      .replace(/^\/\/(?=\/)/, '')
      .split('?')[0] ?? '';
  return path === '' ? null : resolve(path);
}

export class DatabaseLocationError extends Error {
  override name = 'DatabaseLocationError';
}

/**
 * Checks, before SQLite is asked, that a database file can be created or written where the
 * configuration points: SQLite itself only says "unable to open database file". `setting` names
 * where the location came from, for the message.
 */
export function checkDatabaseLocation(url: string, setting: string): void {
  const file = databaseFile(url);
  if (file === null) return;
  const directory = dirname(file);
  if (!existsSync(directory)) {
    throw new DatabaseLocationError(
      `the database directory ${directory} does not exist (${setting}): create it, or point ${setting} elsewhere`,
    );
  }
  if (!statSync(directory).isDirectory()) throw new DatabaseLocationError(`${directory} is not a directory (${setting})`);
  const unwritable = (path: string) => {
    try {
      accessSync(path, constants.W_OK);
      return false;
    } catch {
      return true;
    }
  };
  // SQLite writes its -wal and -shm files beside the database: the directory itself must be writable.
  if (unwritable(directory)) {
    throw new DatabaseLocationError(
      `the database directory ${directory} is not writable by this user (${setting}): SQLite keeps its journal beside the file`,
    );
  }
  if (existsSync(file) && unwritable(file))
    throw new DatabaseLocationError(`the database file ${file} is not writable by this user (${setting})`);
}
