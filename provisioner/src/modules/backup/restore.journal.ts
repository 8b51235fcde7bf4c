import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kg/shared';

/**
 * How far a restore got, kept in a file next to the backups so a restore that was killed is
 * finished by running the same command again (docs/operations.md, Restore). Phases in order:
 * `loading` (the side database is being loaded; the tenant is untouched), `loaded` (the side
 * database holds the verified backup), `suspended`, `swapped` (one RENAME TABLE moved the current
 * tables to the old side and the restored ones in), `reactivated` (only the clean-up is left).
 */
export type RestorePhase = 'loading' | 'loaded' | 'suspended' | 'swapped' | 'reactivated';

export interface RestoreJournal {
  tenantCode: string;
  databaseName: string;
  dbServerId: number | null;
  filePath: string;
  sha256: string;
  checksumVerified: boolean;
  /** Tables and row counts of the backup file. */
  tables: Record<string, number>;
  /** Where the backup is loaded and verified before the tenant is suspended. */
  sideDatabase: string;
  /** Where the swap puts the tables that were current; dropped once the tenant is back. */
  oldDatabase: string;
  /** The status the tenant goes back to at the end. */
  previousStatus: string;
  phase: RestorePhase;
  safetyBackup?: string | null;
  /** Epoch ms: when the tenant was suspended and when the side load was done (the order a test checks). */
  suspendedAt?: number;
  loadedAt?: number;
  swappedAt?: number;
  reactivatedAt?: number;
}

function journalFile(backupDir: string, tenantCode: string): string {
  return path.resolve(repoRoot(), backupDir, 'restores', `${tenantCode}.json`);
}

export function readRestoreJournal(backupDir: string, tenantCode: string): RestoreJournal | null {
  try {
    return JSON.parse(fs.readFileSync(journalFile(backupDir, tenantCode), 'utf8')) as RestoreJournal;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes the journal atomically (a temp file renamed over it), owner-only. */
export function writeRestoreJournal(backupDir: string, journal: RestoreJournal): void {
  const file = journalFile(backupDir, journal.tenantCode);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(journal, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeRestoreJournal(backupDir: string, tenantCode: string): void {
  fs.rmSync(journalFile(backupDir, tenantCode), { force: true });
}
