import { connect, databaseExists, dropDatabase, publishTenantStatus, withTransaction } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { acquireNamedLock, namedLockName } from '../../internal/named-lock';
import { loadDump, verifyCounts } from '../backup/load-dump';
import { dropTenantDbAccount, ensureTenantDbAccount } from '../db-users/tenant-db-user.service';
import { backupDatabase } from '../cleanup/backup';
import { securityEvent } from '../cleanup/security-event.repository';
import { tenantServer } from '../create/servers';
import { findDatabaseServer, lockDatabaseServer } from '../servers/database-server.repository';
import { countTenantsOnServer, findTenant, lockTenant, switchTenantDbServer, switchTenantStatus } from '../tenants/tenant.repository';
import { readMoveJournal, removeMoveJournal, writeMoveJournal, type MoveJournal, type MovePhase } from './move.journal';

export class MoveError extends Error {}

/** Statuses a tenant can be moved in: its database exists and nothing else is changing it. */
const MOVABLE = ['active', 'inactive', 'suspended'];

export interface MoveResult {
  tenantCode: string;
  databaseName: string;
  fromServerId: number;
  toServerId: number;
  /** Tables and rows copied by this run (0 when it resumed after the copy). */
  tables: number;
  rows: number;
  /** From suspension to reactivation (across resumed runs). */
  downtimeMs: number;
  /** A move that was interrupted earlier and finished by this run. */
  resumed: boolean;
  dumpFile: string;
}

export interface MoveOptions {
  toServerId: number;
  actor: string;
  onStep?: (message: string) => void;
  /** Called after each phase is recorded (the journal is on disk when it runs). */
  onPhase?: (phase: MovePhase) => void | Promise<void>;
}

async function checkRoom(ctx: ProvisionerContext, toServerId: number): Promise<void> {
  const server = await findDatabaseServer(ctx.db, toServerId);
  if (!server) throw new MoveError(`Database server ${toServerId} does not exist`);
  if (server.status !== 'active') throw new MoveError(`Database server ${server.name} (${toServerId}) is ${server.status}, not active`);
  const placed = await countTenantsOnServer(ctx.db, toServerId);
  if (placed >= server.capacity) throw new MoveError(`Database server ${server.name} (${toServerId}) is full (${placed}/${server.capacity})`);
}

/** A new journal after checking that the move may start. */
async function startMove(ctx: ProvisionerContext, tenantCode: string, toServerId: number): Promise<MoveJournal> {
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw new MoveError(`Tenant ${tenantCode} does not exist`);
  if (!MOVABLE.includes(tenant.status)) throw new MoveError(`Tenant ${tenantCode} is ${tenant.status}; only ${MOVABLE.join(', ')} tenants are moved`);
  if (tenant.dbServerId === null) throw new MoveError(`Tenant ${tenantCode} has no database server`);
  if (tenant.dbServerId === toServerId) throw new MoveError(`Tenant ${tenantCode} is already on database server ${toServerId}`);
  await checkRoom(ctx, toServerId);
  return {
    tenantCode,
    databaseName: tenant.databaseName,
    fromServerId: tenant.dbServerId,
    toServerId,
    previousStatus: tenant.status,
    phase: 'started',
  };
}

/**
 * Moves a tenant's database to another server (docs/operations.md, Move a tenant): suspend and
 * announce, dump the source (mysqldump --single-transaction, recorded like any manual backup),
 * load it on the target, verify every table's row count against the dump, switch
 * tenants.db_server_id (with the target's row locked, as placement does), announce, put the
 * tenant back to its status, and drop the source copy. Each phase is written to a journal first,
 * so running the command again after a kill resumes where it stopped; until the switch the source
 * stays authoritative and a copy left on the target is replaced.
 */
export async function moveTenant(ctx: ProvisionerContext, tenantCode: string, opts: MoveOptions): Promise<MoveResult> {
  const step = opts.onStep ?? (() => undefined);
  const dir = ctx.config.BACKUP_DIR;
  const lock = await acquireNamedLock(ctx, namedLockName('kg-move', `${ctx.config.CONTROL_DB_NAME}/${tenantCode}`), 1000);
  if (!lock) throw new MoveError(`Another move of ${tenantCode} is running`);
  try {
    let journal = readMoveJournal(dir, tenantCode);
    const resumed = journal !== null;
    if (journal && journal.toServerId !== opts.toServerId) {
      throw new MoveError(`A move of ${tenantCode} to server ${journal.toServerId} is unfinished; run it again with --server ${journal.toServerId}`);
    }
    if (!journal) journal = await startMove(ctx, tenantCode, opts.toServerId);
    else step(`resuming the move recorded at phase ${journal.phase}`);
    const record = async (phase: MovePhase, changes: Partial<MoveJournal> = {}) => {
      journal = { ...journal!, ...changes, phase };
      writeMoveJournal(dir, journal);
      await opts.onPhase?.(phase);
    };
    if (!resumed) await record('started');

    const source = (await tenantServer(ctx.db, journal.fromServerId)).target;
    const target = (await tenantServer(ctx.db, journal.toServerId)).target;
    const { databaseName } = journal;

    if (journal.phase === 'started') {
      const suspendedAt = Date.now();
      if (journal.previousStatus !== 'suspended') {
        await switchTenantStatus(ctx.db, tenantCode, journal.previousStatus, 'suspended');
        const now = await findTenant(ctx.db, tenantCode);
        if (now?.status !== 'suspended') throw new MoveError(`Tenant ${tenantCode} changed status meanwhile (${now?.status})`);
        await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'suspended');
      }
      step('suspended');
      await record('suspended', { suspendedAt });
    }

    let counts = { tables: 0, rows: 0 };
    if (journal.phase === 'suspended') {
      step(`copying ${databaseName} from server ${journal.fromServerId} to server ${journal.toServerId}`);
      const dump = await backupDatabase(ctx.db, source, databaseName, {
        dir,
        mysqldump: ctx.config.BACKUP_MYSQLDUMP,
        tenantCode,
        dbServerId: journal.fromServerId,
        backupType: 'manual',
      });
      const conn = await connect(target);
      try {
        // A copy left by an interrupted run: the source is still the one in use, so replace it.
        if (await databaseExists(conn, databaseName)) await dropDatabase(conn, databaseName);
      } finally {
        await conn.end();
      }
      await loadDump(ctx.config.BACKUP_MYSQL, target, dump.filePath);
      const problems = await verifyCounts(target, databaseName, dump.contents.tables);
      if (problems.length) throw new MoveError(`The copy differs from the source (tenant left suspended): ${problems.slice(0, 10).join('; ')}`);
      counts = { tables: Object.keys(dump.contents.tables).length, rows: Object.values(dump.contents.tables).reduce((a, b) => a + b, 0) };
      step(`verified: ${counts.tables} tables, ${counts.rows} rows as in the source`);
      await record('copied', { dumpFile: dump.filePath });
    }

    if (journal.phase === 'copied') {
      const { fromServerId, toServerId } = journal;
      // The tenant app reaches a tenant database only as its own account and role
      // (docs/privileges.md): they must exist on the new server before it is switched to.
      await ensureTenantDbAccount(ctx, { tenantCode, databaseName }, target);
      await withTransaction(ctx.db, async (conn) => {
        const tenant = await lockTenant(conn, tenantCode);
        if (tenant?.dbServerId === toServerId) return; // switched before a kill
        const server = await lockDatabaseServer(conn, toServerId);
        const placed = await countTenantsOnServer(conn, toServerId);
        if (!server || server.status !== 'active' || placed >= server.capacity) {
          throw new MoveError(`Database server ${toServerId} has no room any more (${placed}/${server?.capacity}, ${server?.status}); the tenant stays suspended on server ${fromServerId}`);
        }
        if (!(await switchTenantDbServer(conn, tenantCode, fromServerId, toServerId))) {
          throw new MoveError(`Tenant ${tenantCode} is no longer on server ${fromServerId}`);
        }
      });
      step(`switched to database server ${toServerId}`);
      await record('switched');
    }

    // Switched: put the status back and announce it; tenant apps drop the cached record, and with
    // it the old server, on any announcement.
    if (journal.previousStatus !== 'suspended') await switchTenantStatus(ctx.db, tenantCode, 'suspended', journal.previousStatus);
    await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, journal.previousStatus);
    const downtimeMs = Date.now() - (journal.suspendedAt ?? Date.now());
    step(`${journal.previousStatus} again after ${downtimeMs} ms`);

    const conn = await connect(source);
    try {
      await dropDatabase(conn, databaseName);
    } finally {
      await conn.end();
    }
    await dropTenantDbAccount(ctx, { tenantCode, databaseName }, source);
    step(`dropped the old copy and its account on server ${journal.fromServerId}`);
    await securityEvent(ctx.db, {
      type: 'tenant_database_moved',
      severity: 'medium',
      tenantCode,
      subjectType: 'tenant',
      subjectId: tenantCode,
      details: { actor: opts.actor, fromServerId: journal.fromServerId, toServerId: journal.toServerId, dumpFile: journal.dumpFile, downtimeMs, resumed },
    });
    removeMoveJournal(dir, tenantCode);
    return {
      tenantCode,
      databaseName,
      fromServerId: journal.fromServerId,
      toServerId: journal.toServerId,
      ...counts,
      downtimeMs,
      resumed,
      dumpFile: journal.dumpFile!,
    };
  } finally {
    await lock.release();
  }
}
