import {
  AppError,
  createJobId,
  duplicateKey,
  errors,
  ErrorCode,
  tenantDatabaseName,
  withTransaction,
  type PoolConnection,
} from '@kg/shared';
import type { AppContext } from '../../context';
import { appendAudit, type AuditActor } from '../audit/audit.service';
import { verifySmsCode } from '../sms/sms.service';
import {
  insertTenant,
  nextTenantCode,
  storagePrefixTaken,
  tenantCodeAfter,
  tenantCodeOrDomainTaken,
  type NewTenant,
} from '../tenants/tenant.repository';
import { attachAdminPassword, needsAdminPassword } from './admin-credentials';
import { insertPipelineRows } from './lifecycle.repository';
import { findPlan } from '../billing/plan.repository';
import { enqueueCreatePipeline } from './lifecycle.queue';
import { lockServerLoads, pickServer } from './placement';

export const PLAN_TYPES = ['basic', 'standard', 'premium', 'enterprise'] as const;

/** The create request, validated at the edge (lifecycle.routes.ts). */
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

const MAX_TENANT_CODE_TRIES = 20;

function domainOf(ctx: AppContext, tenantCode: string): string {
  return `${tenantCode}.${ctx.config.BASE_DOMAIN}`;
}

function tenantCodeTaken(tenantCode: string): AppError {
  return errors.conflict(`Tenant code ${tenantCode} or its domain is already registered`, ErrorCode.TenantConflict, {
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
  requestedTenantCode: string | undefined,
  adminStepDetails: Record<string, unknown> | null,
) {
  const servers = await lockServerLoads(conn);
  const server = pickServer(servers, input.dbServerId);
  const plan = await findPlan(conn, input.planType);
  const limits = plan && { maxUsers: plan.maxUsers, maxStorageMb: plan.maxStorageMb };
  let tenantCode = requestedTenantCode ?? (await nextTenantCode(conn));
  const phone = input.contactPhone;
  let storagePrefix = `${phone}/`;
  for (let tries = 0; ; tries++) {
    if (await storagePrefixTaken(conn, storagePrefix)) storagePrefix = `${phone}-${tenantCode}/`;
    const row: NewTenant = {
      tenantCode,
      name: input.name,
      domain: domainOf(ctx, tenantCode),
      databaseName: tenantDatabaseName(tenantCode, ctx.config.TENANT_DB_PREFIX),
      planType: input.planType,
      limits,
      contactName: input.contactName,
      contactEmail: input.contactEmail,
      contactPhone: phone,
      address: input.address ?? null,
      description: input.description ?? null,
      createdBy: actor.actorType === 'admin' && actor.actorId !== null && actor.actorId !== undefined ? Number(actor.actorId) : null,
      dbServerId: server.id,
      storagePrefix,
    };
    try {
      await insertTenant(conn, row);
    } catch (err) {
      const key = duplicateKey(err);
      if (!key || tries >= MAX_TENANT_CODE_TRIES) throw err;
      if (key === 'uk_tenants_oss_prefix') {
        storagePrefix = `${phone}-${tenantCode}/`;
        continue;
      }
      if (requestedTenantCode) throw tenantCodeTaken(tenantCode);
      tenantCode = tenantCodeAfter(BigInt(tenantCode.slice(1)));
      storagePrefix = `${phone}/`;
      continue;
    }
    const jobId = createJobId(tenantCode);
    await insertPipelineRows(conn, tenantCode, jobId, adminStepDetails);
    await appendAudit(conn, ctx.secrets.auditKey, {
      ...actor,
      action: 'tenant.create',
      tenantCode,
      targetType: 'tenant',
      targetId: tenantCode,
      after: {
        name: row.name,
        domain: row.domain,
        databaseName: row.databaseName,
        dbServerId: server.id,
        dbServerName: server.name,
        storagePrefix,
        planType: row.planType,
        contactName: row.contactName,
        contactPhone: phone,
        contactEmail: row.contactEmail,
        status: 'provisioning',
      },
    });
    return { tenantCode, row, jobId, server };
  }
}

/**
 * POST /api/tenant/create (docs/control-plane.md, "The create request"): validates the code and its domain,
 * consumes the SMS code, registers the tenant as `provisioning` with its placement and storage
 * prefix, and enqueues one create pipeline. The pipeline's progress is at
 * GET /api/tenants/:code/progress.
 */
export async function createTenant(ctx: AppContext, actor: AuditActor, input: CreateTenantInput): Promise<CreateTenantResult> {
  if (input.subdomain && input.tenantCode && input.subdomain !== input.tenantCode) {
    throw errors.validation([{ field: 'subdomain', message: `must equal the tenant code (${input.tenantCode}): the subdomain is {code}.${ctx.config.BASE_DOMAIN}` }]);
  }
  const requestedTenantCode = input.tenantCode ?? input.subdomain;
  // Refuse a taken code before the SMS code is spent on a request that cannot succeed.
  if (requestedTenantCode && (await tenantCodeOrDomainTaken(ctx.db, requestedTenantCode, domainOf(ctx, requestedTenantCode)))) {
    throw tenantCodeTaken(requestedTenantCode);
  }
  await verifySmsCode(ctx, { phone: input.contactPhone, purpose: 'tenant_create', code: input.smsVerificationCode });
  const newAdmin = await needsAdminPassword(ctx, input.contactPhone);

  const { tenantCode, row, server } = await withTransaction(
    ctx.db,
    (conn) => registerTenant(ctx, conn, actor, input, requestedTenantCode, newAdmin ? { awaitingPassword: true } : null),
    { isolation: 'READ COMMITTED' },
  );
  try {
    const { jobId } = await enqueueCreatePipeline(ctx, { tenantCode, requestedBy: actor.actorName ?? undefined });
    // After the enqueue: the worker's first steps run while bcrypt works.
    if (newAdmin) await attachAdminPassword(ctx, tenantCode);
    return {
      tenantCode,
      jobId,
      status: 'provisioning',
      domain: row.domain,
      databaseName: row.databaseName,
      dbServerId: server.id,
      storagePrefix: row.storagePrefix,
    };
  } catch (err) {
    ctx.logger.error({ tenant: tenantCode, err: (err as Error).message }, 'tenant registered but its pipeline could not be queued');
    throw errors.unavailable(
      `Tenant ${tenantCode} was registered but its pipeline could not be queued; POST /api/tenants/${tenantCode}/retry once Redis is back`,
      err,
    );
  }
}
