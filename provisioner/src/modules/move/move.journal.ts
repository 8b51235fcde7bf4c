import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kg/shared';

/**
 * How far a tenant move got, kept in a file next to the backups so a move that was killed can be
 * resumed by running the same command again (docs/operations.md, Move a tenant). Phases in order:
 * `started` (nothing changed yet, or the tenant is being suspended), `suspended`, `copied` (the
 * target holds a verified copy), `switched` (tenants.db_server_id points at the target).
 */
export type MovePhase = 'started' | 'suspended' | 'copied' | 'switched';

export interface MoveJournal {
  tenantCode: string;
  databaseName: string;
  fromServerId: number;
  toServerId: number;
  /** The status the tenant goes back to at the end. */
  previousStatus: string;
  phase: MovePhase;
  /** When the tenant was suspended (epoch ms), so a resumed move still reports the whole downtime. */
  suspendedAt?: number;
  /** The dump the copy was loaded from. */
  dumpFile?: string;
}

function journalFile(backupDir: string, tenantCode: string): string {
  return path.resolve(repoRoot(), backupDir, 'moves', `${tenantCode}.json`);
}

export function readMoveJournal(backupDir: string, tenantCode: string): MoveJournal | null {
  try {
    return JSON.parse(fs.readFileSync(journalFile(backupDir, tenantCode), 'utf8')) as MoveJournal;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes the journal atomically (a temp file renamed over it), owner-only. */
export function writeMoveJournal(backupDir: string, journal: MoveJournal): void {
  const file = journalFile(backupDir, journal.tenantCode);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(journal, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeMoveJournal(backupDir: string, tenantCode: string): void {
  fs.rmSync(journalFile(backupDir, tenantCode), { force: true });
}
