import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { connect, databaseExists, dropDatabase, publishTenantStatus, type MysqlTarget } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { acquireNamedLock, namedLockName } from '../../internal/named-lock';
import { backupDatabase } from '../cleanup/backup';
import { securityEvent } from '../cleanup/security-event.repository';
import { tenantServer } from '../create/servers';
import { backupByFile, latestTenantBackup } from '../cleanup/backup.repository';
import { findTenant, switchTenantStatus, type Tenant } from '../tenants/tenant.repository';
import { DumpCounter, type DumpContents } from './dump-counter';
import { loadDump, verifyCounts } from './load-dump';
import { leftoverSideDatabases, nonTableObjects, sideDatabaseNames, SwapRefused, swapIn } from './side-database';
import { readRestoreJournal, removeRestoreJournal, writeRestoreJournal, type RestoreJournal, type RestorePhase } from './restore.journal';

export class RestoreError extends Error {}

/** SHA-256 of a backup file's bytes and the tables and rows it holds (read without restoring). */
export async function inspectBackup(filePath: string): Promise<{ sha256: string; contents: DumpContents }> {
  const hash = crypto.createHash('sha256');
  const counter = new DumpCounter();
  const source = fs.createReadStream(filePath);
  source.on('data', (chunk) => hash.update(chunk as Buffer));
  await pipeline(source, zlib.createGunzip(), counter, async (s: AsyncIterable<unknown>) => {
    for await (const _ of s) void _;
  });
  return { sha256: hash.digest('hex'), contents: counter.contents() };
}

export interface RestoreResult {
  tenantCode: string;
  databaseName: string;
  filePath: string;
  /** The file's SHA-256 matched its data_backup_records row (false: a file given with --from that was never recorded). */
  checksumVerified: boolean;
  tables: number;
  rows: number;
  /** Backup of the state replaced by the restore (none when the database was gone). */
  safetyBackup: string | null;
  /**
   * `swap`: loaded and verified in a side database, then swapped in with one RENAME TABLE;
   * `in_place`: dropped and loaded while suspended (a backup or database with views, triggers,
   * routines or events, which RENAME TABLE cannot move between databases).
   */
  method: 'swap' | 'in_place';
  /** How long the tenant was suspended (swap: from suspension to reactivation, across resumed runs). */
  downtimeMs: number;
  /** A restore that was interrupted earlier and finished by this run. */
  resumed: boolean;
  /** Epoch ms of each stage, in the order they happened (loadedAt before suspendedAt for a swap). */
  timeline: { loadedAt: number; suspendedAt: number; reactivatedAt: number };
}

export interface RestoreOptions {
  from?: string;
  actor: string;
  onStep?: (message: string) => void;
  /** Called after each phase of a swap is recorded (the journal is on disk when it runs). */
  onPhase?: (phase: RestorePhase) => void | Promise<void>;
}

/** Statuses a tenant is restored in: its database exists and is served, or could be again. */
const RESTORABLE = ['active', 'suspended', 'inactive'];

interface CheckedFile {
  tenant: Tenant;
  filePath: string;
  sha256: string;
  contents: DumpContents;
  checksumVerified: boolean;
}

/** The backup to restore, checked: its SHA-256 against its record, and that it holds this tenant's database and no other. */
async function checkedBackup(ctx: ProvisionerContext, tenantCode: string, from: string | undefined, step: (m: string) => void): Promise<CheckedFile> {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw new RestoreError(`Tenant ${tenantCode} does not exist`);
  if (!RESTORABLE.includes(tenant.status)) {
    throw new RestoreError(`Tenant ${tenantCode} is ${tenant.status}; only active, inactive or suspended tenants are restored`);
  }
  const filePath = from ? path.resolve(from) : (await latestTenantBackup(ctx.db, tenantCode, tenant.databaseName))?.filePath;
  if (!filePath) throw new RestoreError(`No completed backup of ${tenantCode}; give one with --from FILE`);
  if (!fs.existsSync(filePath)) throw new RestoreError(`Backup file ${filePath} does not exist`);

  step(`checking ${filePath}`);
  const { sha256, contents } = await inspectBackup(filePath);
  const record = await backupByFile(ctx.db, filePath);
  if (record && record.checksum !== sha256) throw new RestoreError(`SHA-256 of ${filePath} does not match its backup record ${record.id}`);
  if (contents.databases.length !== 1 || contents.databases[0] !== tenant.databaseName) {
    throw new RestoreError(`${filePath} holds ${contents.databases.join(', ') || 'no database'}, not ${tenant.databaseName}`);
  }
  return { tenant, filePath, sha256, contents, checksumVerified: record !== null };
}

async function safetyBackupOf(ctx: ProvisionerContext, target: MysqlTarget, tenant: Pick<Tenant, 'tenantCode' | 'databaseName' | 'dbServerId'>): Promise<string | null> {
  const conn = await connect(target);
  try {
    if (!(await databaseExists(conn, tenant.databaseName))) return null;
  } finally {
    await conn.end();
  }
  const safety = await backupDatabase(ctx.db, target, tenant.databaseName, {
    dir: ctx.config.BACKUP_DIR,
    mysqldump: ctx.config.BACKUP_MYSQLDUMP,
    tenantCode: tenant.tenantCode,
    dbServerId: tenant.dbServerId,
    backupType: 'manual',
  });
  return safety.filePath;
}

/**
 * Restores one tenant's database from its newest backup or from `from` (docs/operations.md,
 * Restore). The file is checked first (SHA-256 against its record, and that it holds this
 * tenant's database and no other). Then, while the tenant still serves, the current state is
 * backed up and, at the same time, the file is loaded into a side database and every table's row
 * count compared with the file's. Only then is the tenant suspended and announced; one
 * RENAME TABLE moves the current tables to a second side database and the restored ones in, the
 * table set and counts are checked again, and the tenant is put back to its previous status. The
 * pre-restore tables are dropped after that. Each phase is written to a journal first, so running
 * the command again after a kill finishes the restore (it never leaves the tenant half-swapped:
 * RENAME TABLE is atomic). A backup or database with views, triggers, routines or events is
 * restored in place instead (dropped and loaded while suspended). A failure before the swap, or
 * a refused swap (nothing moved), leaves the tenant as it was; a failed check after the swap
 * leaves it suspended. Writes a security event naming the file and
 * the operator.
 */
export async function restoreTenant(ctx: ProvisionerContext, tenantCode: string, opts: RestoreOptions): Promise<RestoreResult> {
  const step = opts.onStep ?? (() => undefined);
  const dir = ctx.config.BACKUP_DIR;
  const lock = await acquireNamedLock(ctx, namedLockName('kg-restore', `${ctx.config.CONTROL_DB_NAME}/${tenantCode}`), 1000);
  if (!lock) throw new RestoreError(`Another restore of ${tenantCode} is running`);
  try {
    let journal = readRestoreJournal(dir, tenantCode);
    const resumed = journal !== null;
    if (journal) {
      if (opts.from && path.resolve(opts.from) !== journal.filePath) {
        throw new RestoreError(`A restore of ${tenantCode} from ${journal.filePath} is unfinished; run it again with that file or without --from`);
      }
      step(`resuming the restore recorded at phase ${journal.phase}`);
    } else {
      const checked = await checkedBackup(ctx, tenantCode, opts.from, step);
      const { target } = await tenantServer(ctx.db, checked.tenant.dbServerId);
      const conn = await connect(target);
      let objects: string[];
      try {
        objects = [...new Set([...checked.contents.objects, ...(await nonTableObjects(conn, checked.tenant.databaseName))])];
        // No journal, and this run holds the lock: no restore of this tenant is under way, so its
        // side databases are leftovers.
        for (const leftover of await leftoverSideDatabases(conn, checked.tenant.databaseName)) {
          step(`dropping ${leftover}, left by an earlier restore`);
          await dropDatabase(conn, leftover);
        }
      } finally {
        await conn.end();
      }
      if (objects.length) {
        step(`the backup or the database has ${objects.join(', ')}: restoring in place`);
        return await restoreInPlace(ctx, checked, target, opts);
      }
      const sides = sideDatabaseNames(checked.tenant.databaseName, Date.now().toString(36));
      if (!sides) throw new RestoreError(`${checked.tenant.databaseName} is too long a name for its side databases (64 characters at most)`);
      journal = {
        tenantCode,
        databaseName: checked.tenant.databaseName,
        dbServerId: checked.tenant.dbServerId,
        filePath: checked.filePath,
        sha256: checked.sha256,
        checksumVerified: checked.checksumVerified,
        tables: checked.contents.tables,
        ...sides,
        previousStatus: checked.tenant.status,
        phase: 'loading',
      };
    }
    const record = async (phase: RestorePhase, changes: Partial<RestoreJournal> = {}) => {
      journal = { ...journal!, ...changes, phase };
      writeRestoreJournal(dir, journal);
      await opts.onPhase?.(phase);
    };
    if (!resumed) await record('loading');
    const { target } = await tenantServer(ctx.db, journal.dbServerId);
    const { databaseName, sideDatabase, oldDatabase } = journal;
    const suspends = journal.previousStatus === 'active';

    if (journal.phase === 'loading') {
      // Nothing has touched the tenant yet: a failure here (not a kill) drops the side database
      // and the journal, so the next run starts afresh, perhaps from another file.
      const abandon = async (err: Error): Promise<never> => {
        const c = await connect(target);
        await dropDatabase(c, sideDatabase).finally(() => c.end());
        removeRestoreJournal(dir, tenantCode);
        throw err;
      };
      const conn = await connect(target);
      try {
        await dropDatabase(conn, sideDatabase); // a partial load of an interrupted run
      } finally {
        await conn.end();
      }
      if (resumed && (await inspectBackup(journal.filePath).then((x) => x.sha256, () => null)) !== journal.sha256) {
        await abandon(new RestoreError(`${journal.filePath} changed or is gone since the interrupted restore began; the tenant was not touched`));
      }
      step(`loading ${journal.filePath} into ${sideDatabase} and backing up the current state, the tenant still serving`);
      const [safety, load] = await Promise.allSettled([
        safetyBackupOf(ctx, target, { tenantCode, databaseName, dbServerId: journal.dbServerId }),
        loadDump(ctx.config.BACKUP_MYSQL, target, journal.filePath, { from: databaseName, to: sideDatabase }),
      ]);
      if (load.status === 'rejected') await abandon(new RestoreError(`Loading into ${sideDatabase} failed (the tenant was not touched): ${(load.reason as Error).message}`));
      if (safety.status === 'rejected') await abandon(new RestoreError(`The backup of the current state failed (the tenant was not touched): ${(safety.reason as Error).message}`));
      const safetyBackup = safety.status === 'fulfilled' ? safety.value : null;
      const problems = await verifyCounts(target, sideDatabase, journal.tables);
      if (problems.length) {
        await abandon(new RestoreError(`The backup loaded into ${sideDatabase} differs from the file (the tenant was not touched): ${problems.slice(0, 10).join('; ')}`));
      }
      step('loaded and verified: every table has the row count of the backup');
      await record('loaded', { safetyBackup, loadedAt: Date.now() });
    }

    if (journal.phase === 'loaded') {
      // The tenant must still be as the restore found it (suspended: a run killed right after
      // suspending it); else the restore is abandoned before touching it.
      const switched = suspends && (await switchTenantStatus(ctx.db, tenantCode, 'active', 'suspended'));
      if (!switched) {
        const now = (await findTenant(ctx.db, tenantCode))?.status;
        if (now !== (suspends ? 'suspended' : journal.previousStatus)) {
          const c = await connect(target);
          await dropDatabase(c, sideDatabase).finally(() => c.end());
          removeRestoreJournal(dir, tenantCode);
          throw new RestoreError(`Tenant ${tenantCode} changed status meanwhile (${now ?? 'gone'}); the restore was abandoned before the swap`);
        }
      }
      if (suspends) {
        await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'suspended');
        step('suspended');
      }
      await record('suspended', { suspendedAt: Date.now() });
    }

    if (journal.phase === 'suspended') {
      const conn = await connect(target);
      try {
        await swapIn(conn, journal, step);
      } catch (err) {
        if (!(err instanceof SwapRefused)) throw err;
        // Nothing moved: roll back to where the restore started.
        if (suspends) {
          await switchTenantStatus(ctx.db, tenantCode, 'suspended', 'active');
          await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'active');
        }
        await dropDatabase(conn, sideDatabase);
        await dropDatabase(conn, oldDatabase);
        removeRestoreJournal(dir, tenantCode);
        throw new RestoreError(`The swap was refused, nothing was moved and ${tenantCode} is ${journal.previousStatus} again: ${err.message}`);
      } finally {
        await conn.end();
      }
      const problems = await verifyCounts(target, databaseName, journal.tables);
      if (problems.length) {
        throw new RestoreError(`Restored ${databaseName} differs from the backup (tenant left suspended; the replaced tables are in ${oldDatabase}): ${problems.slice(0, 10).join('; ')}`);
      }
      step('swapped in and verified');
      await record('swapped', { swappedAt: Date.now() });
    }

    if (journal.phase === 'swapped') {
      if (suspends) {
        await switchTenantStatus(ctx.db, tenantCode, 'suspended', 'active');
        await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'active');
        step('reactivated');
      }
      await record('reactivated', { reactivatedAt: Date.now() });
    }

    // Reactivated: the pre-restore tables are no longer needed (they are in the safety backup too).
    const conn = await connect(target);
    try {
      await dropDatabase(conn, oldDatabase);
      await dropDatabase(conn, sideDatabase);
    } finally {
      await conn.end();
    }
    step(`dropped ${oldDatabase}`);
    const rows = Object.values(journal.tables).reduce((a, b) => a + b, 0);
    const tables = Object.keys(journal.tables).length;
    await securityEvent(ctx.db, {
      type: 'tenant_database_restored',
      severity: 'medium',
      tenantCode,
      subjectType: 'tenant',
      subjectId: tenantCode,
      details: {
        actor: opts.actor,
        file: journal.filePath,
        sha256: journal.sha256,
        checksumVerified: journal.checksumVerified,
        tables,
        rows,
        safetyBackup: journal.safetyBackup ?? null,
        method: 'swap',
        resumed,
      },
    });
    removeRestoreJournal(dir, tenantCode);
    const timeline = { loadedAt: journal.loadedAt!, suspendedAt: journal.suspendedAt!, reactivatedAt: journal.reactivatedAt! };
    return {
      tenantCode,
      databaseName,
      filePath: journal.filePath,
      checksumVerified: journal.checksumVerified,
      tables,
      rows,
      safetyBackup: journal.safetyBackup ?? null,
      method: 'swap',
      downtimeMs: timeline.reactivatedAt - timeline.suspendedAt,
      resumed,
      timeline,
    };
  } finally {
    await lock.release();
  }
}

/**
 * The restore for a backup or database with views, triggers, routines or events: suspend and
 * announce, drop the database and load the file into it, compare every table's row count with
 * the file's, reactivate. A failed check leaves the tenant suspended.
 */
async function restoreInPlace(ctx: ProvisionerContext, checked: CheckedFile, target: MysqlTarget, opts: RestoreOptions): Promise<RestoreResult> {
  const step = opts.onStep ?? (() => undefined);
  const { tenant, filePath, contents } = checked;
  const tenantCode = tenant.tenantCode;
  step('backing up the current state first');
  const safetyBackup = await safetyBackupOf(ctx, target, tenant);
  const loadedAt = Date.now();
  const suspendedAt = Date.now();
  const wasActive = tenant.status === 'active';
  if (wasActive) {
    if (!(await switchTenantStatus(ctx.db, tenantCode, 'active', 'suspended'))) throw new RestoreError(`Tenant ${tenantCode} changed status meanwhile`);
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'suspended');
    step('suspended');
  }
  step(`restoring ${tenant.databaseName}`);
  const conn = await connect(target);
  try {
    await dropDatabase(conn, tenant.databaseName);
  } finally {
    await conn.end();
  }
  await loadDump(ctx.config.BACKUP_MYSQL, target, filePath);
  const problems = await verifyCounts(target, tenant.databaseName, contents.tables);
  if (problems.length) {
    throw new RestoreError(`Restored ${tenant.databaseName} differs from the backup (tenant left suspended): ${problems.slice(0, 10).join('; ')}`);
  }
  step('verified: every table has the row count of the backup');
  if (wasActive) {
    await switchTenantStatus(ctx.db, tenantCode, 'suspended', 'active');
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'active');
    step('reactivated');
  }
  const reactivatedAt = Date.now();
  const tables = Object.keys(contents.tables).length;
  const rows = Object.values(contents.tables).reduce((a, b) => a + b, 0);
  await securityEvent(ctx.db, {
    type: 'tenant_database_restored',
    severity: 'medium',
    tenantCode,
    subjectType: 'tenant',
    subjectId: tenantCode,
    details: { actor: opts.actor, file: filePath, sha256: checked.sha256, checksumVerified: checked.checksumVerified, tables, rows, safetyBackup, method: 'in_place' },
  });
  return {
    tenantCode,
    databaseName: tenant.databaseName,
    filePath,
    checksumVerified: checked.checksumVerified,
    tables,
    rows,
    safetyBackup,
    method: 'in_place',
    downtimeMs: reactivatedAt - suspendedAt,
    resumed: false,
    timeline: { loadedAt, suspendedAt, reactivatedAt },
  };
}
