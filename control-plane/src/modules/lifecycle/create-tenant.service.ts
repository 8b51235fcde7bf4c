import { assertDbName, AppError, createJobId, errors, ErrorCode, type PoolConnection } from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { verifySmsCode } from '../sms/sms.service';
import { attachAdminPassword, needsAdminPassword } from './admin-credentials';
import {
  duplicateKey,
  codeAfter,
  insertPipelineRows,
  insertTenant,
  nextTenantCode,
  planLimits,
  prefixTaken,
  tenantExists,
} from './lifecycle.repository';
import { enqueueCreatePipeline } from './lifecycle.queue';
import { lockServerLoads, pickServer } from './placement';

export const PLAN_TYPES = ['basic', 'standard', 'premium', 'enterprise'] as const;

/** The create request of seed 004 §5.1 plus planType and dbServerId (validated at the edge). */
export interface CreateTenantInput {
  tenantCode?: string;
  name: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  smsVerificationCode: string;
  subdomain?: string;
  address?: string;
  description?: string;
  planType: (typeof PLAN_TYPES)[number];
  dbServerId?: number;
}

export interface CreateTenantResult {
  tenantCode: string;
  jobId: string;
  status: 'provisioning';
  domain: string;
  databaseName: string;
  dbServerId: number;
  storagePrefix: string;
}

const MAX_CODE_TRIES = 20;

function domainOf(ctx: AppContext, code: string): string {
  return `${code}.${ctx.config.BASE_DOMAIN}`;
}

function databaseNameOf(ctx: AppContext, code: string): string {
  return assertDbName(`${ctx.config.TENANT_DB_PREFIX}${code.slice(1)}`);
}

function codeTaken(code: string): AppError {
  return errors.conflict(`Tenant code ${code} or its domain is already registered`, ErrorCode.TenantConflict, {
    field: 'tenantCode',
  });
}

/**
 * Registers the tenant as `provisioning` and inserts its pipeline rows, in one transaction that
 * holds the database-server rows locked: placement, code allocation and the storage prefix are
 * decided one create at a time, so concurrent creates never share a code, a prefix or a
 * server's last free slot. Unique keys back every one of these decisions.
 */
async function registerTenant(
  ctx: AppContext,
  conn: PoolConnection,
  actor: AuditActor,
  input: CreateTenantInput,
  requestedCode: string | undefined,
  adminStepDetails: Record<string, unknown> | null,
) {
  const servers = await lockServerLoads(conn);
  const server = pickServer(servers, input.dbServerId);
  const limits = await planLimits(conn, input.planType);
  let code = requestedCode ?? (await nextTenantCode(conn));
  const phone = input.contactPhone;
  let ossPrefix = `${phone}/`;
  for (let tries = 0; ; tries++) {
    if (await prefixTaken(conn, ossPrefix)) ossPrefix = `${phone}-${code}/`;
    const row = {
      code,
      name: input.name,
      domain: domainOf(ctx, code),
      databaseName: databaseNameOf(ctx, code),
      planType: input.planType,
      limits,
      contactName: input.contactName,
      contactEmail: input.contactEmail,
      contactPhone: phone,
      address: input.address ?? null,
      description: input.description ?? null,
      createdBy: actor.actorType === 'admin' && actor.actorId !== null && actor.actorId !== undefined ? Number(actor.actorId) : null,
      dbServerId: server.id,
      ossPrefix,
    };
    try {
      await insertTenant(conn, row);
    } catch (err) {
      const key = duplicateKey(err);
      if (!key || tries >= MAX_CODE_TRIES) throw err;
      if (key === 'uk_tenants_oss_prefix') {
        ossPrefix = `${phone}-${code}/`;
        continue;
      }
      if (requestedCode) throw codeTaken(code);
      code = codeAfter(BigInt(code.slice(1)));
      ossPrefix = `${phone}/`;
      continue;
    }
    const jobId = createJobId(code);
    await insertPipelineRows(conn, code, jobId, adminStepDetails);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.create',
      tenantCode: code,
      targetType: 'tenant',
      targetId: code,
      after: {
        name: row.name,
        domain: row.domain,
        databaseName: row.databaseName,
        dbServerId: server.id,
        dbServerName: server.name,
        storagePrefix: ossPrefix,
        planType: row.planType,
        contactName: row.contactName,
        contactPhone: phone,
        contactEmail: row.contactEmail,
        status: 'provisioning',
      },
    });
    return { code, row, jobId, server };
  }
}

/**
 * POST /api/tenant/create (SPEC §5 Create, seed 004 §5.1): validates the code and its domain,
 * consumes the SMS code, registers the tenant as `provisioning` with its placement and storage
 * prefix, and enqueues one create pipeline. The pipeline's progress is at
 * GET /api/tenants/:code/progress.
 */
export async function createTenant(ctx: AppContext, actor: AuditActor, input: CreateTenantInput): Promise<CreateTenantResult> {
  if (input.subdomain && input.tenantCode && input.subdomain !== input.tenantCode) {
    throw errors.validation([{ field: 'subdomain', message: `must equal the tenant code (${input.tenantCode}): the subdomain is {code}.${ctx.config.BASE_DOMAIN}` }]);
  }
  const requestedCode = input.tenantCode ?? input.subdomain;
  // Refuse a taken code before the SMS code is spent on a request that cannot succeed.
  if (requestedCode && (await tenantExists(ctx.db, requestedCode, domainOf(ctx, requestedCode)))) throw codeTaken(requestedCode);
  await verifySmsCode(ctx, { phone: input.contactPhone, purpose: 'tenant_create', code: input.smsVerificationCode });
  const newAdmin = await needsAdminPassword(ctx, input.contactPhone);

  const conn = await ctx.db.getConnection();
  let registered: Awaited<ReturnType<typeof registerTenant>>;
  try {
    await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await conn.beginTransaction();
    try {
      registered = await registerTenant(ctx, conn, actor, input, requestedCode, newAdmin ? { awaitingPassword: true } : null);
      await conn.commit();
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    }
  } finally {
    conn.release();
  }

  const { code, row, server } = registered;
  try {
    const { jobId } = await enqueueCreatePipeline(ctx, { tenantCode: code, requestedBy: actor.actorName ?? undefined });
    // After the enqueue: the worker's first steps run while bcrypt works.
    if (newAdmin) await attachAdminPassword(ctx, code);
    return {
      tenantCode: code,
      jobId,
      status: 'provisioning',
      domain: row.domain,
      databaseName: row.databaseName,
      dbServerId: server.id,
      storagePrefix: row.ossPrefix,
    };
  } catch (err) {
    ctx.logger.error({ tenant: code, err: (err as Error).message }, 'tenant registered but its pipeline could not be queued');
    throw errors.unavailable(
      `Tenant ${code} was registered but its pipeline could not be queued; POST /api/tenants/${code}/retry once Redis is back`,
      err,
    );
  }
}
