import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { connect, databaseExists, dropDatabase, publishTenantStatus } from '@kg/shared';
import type { ProvisionerContext } from '../../context';
import { backupDatabase } from '../cleanup/backup';
import { securityEvent } from '../cleanup/security-event.repository';
import { tenantServer } from '../create/servers';
import { backupByFile, latestTenantBackup } from '../cleanup/backup.repository';
import { findTenant, switchTenantStatus } from '../tenants/tenant.repository';
import { DumpCounter, type DumpContents } from './dump-counter';
import { loadDump, verifyCounts } from './load-dump';

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
  /** How long the tenant was suspended. */
  downtimeMs: number;
}

/**
 * Restores one tenant's database from its newest backup or from `from` (docs/operations.md,
 * Restore): the file is checked first (SHA-256 against its record, and that it holds this
 * tenant's database and no other), the current state is backed up, the tenant is suspended and
 * announced, the database is dropped and loaded, every table's row count is compared with the
 * backup's, and the tenant is put back to its previous status. A failed verification leaves the
 * tenant suspended. Writes a security event naming the file and the operator.
 */
export async function restoreTenant(
  ctx: ProvisionerContext,
  tenantCode: string,
  opts: { from?: string; actor: string; onStep?: (message: string) => void },
): Promise<RestoreResult> {
  const step = opts.onStep ?? (() => undefined);
  const tenant = await findTenant(ctx.db, tenantCode);
  if (!tenant) throw new RestoreError(`Tenant ${tenantCode} does not exist`);
  if (!['active', 'suspended', 'inactive'].includes(tenant.status)) {
    throw new RestoreError(`Tenant ${tenantCode} is ${tenant.status}; only active, inactive or suspended tenants are restored`);
  }
  const filePath = opts.from
    ? path.resolve(opts.from)
    : (await latestTenantBackup(ctx.db, tenantCode, tenant.databaseName))?.filePath;
  if (!filePath) throw new RestoreError(`No completed backup of ${tenantCode}; give one with --from FILE`);
  if (!fs.existsSync(filePath)) throw new RestoreError(`Backup file ${filePath} does not exist`);

  step(`checking ${filePath}`);
  const { sha256, contents } = await inspectBackup(filePath);
  const record = await backupByFile(ctx.db, filePath);
  if (record && record.checksum !== sha256) throw new RestoreError(`SHA-256 of ${filePath} does not match its backup record ${record.id}`);
  if (contents.databases.length !== 1 || contents.databases[0] !== tenant.databaseName) {
    throw new RestoreError(`${filePath} holds ${contents.databases.join(', ') || 'no database'}, not ${tenant.databaseName}`);
  }

  const { target } = await tenantServer(ctx.db, tenant.dbServerId);
  let safetyBackup: string | null = null;
  const conn = await connect(target);
  try {
    if (await databaseExists(conn, tenant.databaseName)) {
      step('backing up the current state first');
      const safety = await backupDatabase(ctx.db, target, tenant.databaseName, {
        dir: ctx.config.BACKUP_DIR,
        mysqldump: ctx.config.BACKUP_MYSQLDUMP,
        tenantCode,
        dbServerId: tenant.dbServerId,
        backupType: 'manual',
      });
      safetyBackup = safety.filePath;
    }

    const suspendedAt = performance.now();
    const wasActive = tenant.status === 'active';
    if (wasActive) {
      if (!(await switchTenantStatus(ctx.db, tenantCode, 'active', 'suspended'))) throw new RestoreError(`Tenant ${tenantCode} changed status meanwhile`);
      await publishTenantStatus(ctx.redis, ctx.config.REDIS_KEY_PREFIX, tenantCode, 'suspended');
      step('suspended');
    }
    step(`restoring ${tenant.databaseName}`);
    await dropDatabase(conn, tenant.databaseName);
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
    const result: RestoreResult = {
      tenantCode,
      databaseName: tenant.databaseName,
      filePath,
      checksumVerified: record !== null,
      tables: Object.keys(contents.tables).length,
      rows: Object.values(contents.tables).reduce((a, b) => a + b, 0),
      safetyBackup,
      downtimeMs: Math.round(performance.now() - suspendedAt),
    };
    await securityEvent(ctx.db, {
      type: 'tenant_database_restored',
      severity: 'medium',
      tenantCode,
      subjectType: 'tenant',
      subjectId: tenantCode,
      details: { actor: opts.actor, file: filePath, sha256, checksumVerified: result.checksumVerified, tables: result.tables, rows: result.rows, safetyBackup },
    });
    return result;
  } finally {
    await conn.end();
  }
}
