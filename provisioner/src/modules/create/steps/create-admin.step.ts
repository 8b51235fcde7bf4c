import crypto from 'node:crypto';
import { connect, ensureTenantUser, type PoolConnection } from '@kg/shared';
import { bindTenantAdmin, findGlobalUserId, insertAdminGlobalUser } from '../global-user.repository';
import { lockAdminPasswordHash, mergeStepDetails, readAdminPasswordState } from '../progress.repository';
import { tenantServer } from '../servers';
import { PermanentStepError, type CreateStep, type StepRun } from '../step';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A well-formed bcrypt hash of nothing anyone knows: the account exists but cannot sign in until
 * its password is reset. Used only if the control plane left no one-time password hash.
 */
function unusablePasswordHash(): string {
  const chars = Array.from(crypto.randomBytes(53), (b) => BCRYPT_ALPHABET[b % 64]).join('');
  return `$2b$12$${chars}`;
}

/**
 * Waits (briefly) for the control plane to store the one-time password's hash: it hashes after
 * answering the create request, in parallel with the first steps, so bcrypt's cost is not added
 * to provisioning time. Returns at once when the user exists or no password is expected.
 */
async function waitForPasswordHash(ctx: StepRun['ctx'], tenantCode: string, phone: string): Promise<void> {
  const deadline = Date.now() + ctx.config.PROVISIONER_PASSWORD_WAIT_MS;
  for (;;) {
    if ((await findGlobalUserId(ctx.db, phone)) !== null) return;
    const state = await readAdminPasswordState(ctx.db, tenantCode);
    if (!state || state.passwordHash || !state.awaitingPassword) return;
    if (Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The global user of the contact phone, created when missing with the one-time password whose
 * bcrypt hash the control plane put in the step's details (the plaintext never leaves the control
 * plane; it is shown to the operator once, see control-plane lifecycle/admin-credentials.ts).
 * The step row is locked while the user is created, and creating the user and recording that it
 * was created commit together, so a worker killed between the two cannot lose that fact.
 */
async function ensureGlobalUser(
  conn: PoolConnection,
  tenantCode: string,
  input: { phone: string; realName: string; email: string | null },
): Promise<{ id: number; created: boolean }> {
  // A plain read, no FOR UPDATE: a locking read of a missing phone takes a gap lock, and two
  // pipelines creating different users in one gap then deadlock on their inserts.
  const found = await findGlobalUserId(conn, input.phone);
  if (found !== null) return { id: found, created: false };
  await conn.beginTransaction();
  try {
    const passwordHash = await lockAdminPasswordHash(conn, tenantCode);
    const id = await insertAdminGlobalUser(conn, { ...input, passwordHash: passwordHash ?? unusablePasswordHash() });
    await mergeStepDetails(conn, tenantCode, 'create_admin', {
      globalUserId: id,
      createdUser: true,
      passwordUnavailable: passwordHash ? null : true,
    });
    await conn.commit();
    return { id, created: true };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
    // Registered by someone else meanwhile (sign-up, another tenant's pipeline): use that user.
    const again = await findGlobalUserId(conn, input.phone);
    if (again === null) throw err;
    return { id: again, created: false };
  }
}

/**
 * Step 4: the tenant's admin: global user by contact phone, the tenant-local `users` row with
 * role admin (ensureTenantUser, idempotent), and one relation with role `admin`.
 */
export const createAdmin: CreateStep = {
  name: 'create_admin',
  async run({ ctx, tenant, details, checkpoint }) {
    const phone = tenant.contactPhone;
    if (!phone) throw new PermanentStepError('The tenant has no contact phone for its admin');
    const realName = tenant.contactName || tenant.name;
    if (details.awaitingPassword && !details.passwordHash) await waitForPasswordHash(ctx, tenant.tenantCode, phone);

    const conn = await ctx.db.getConnection();
    let user: { id: number; created: boolean };
    try {
      user = await ensureGlobalUser(conn, tenant.tenantCode, { phone, realName, email: tenant.contactEmail });
    } finally {
      conn.release();
    }
    await checkpoint('mid');

    const { target } = await tenantServer(ctx.db, tenant.dbServerId);
    const tenantConn = await connect(target, tenant.databaseName);
    let tenantUserId: number;
    try {
      tenantUserId = await ensureTenantUser(tenantConn, {
        globalUserId: user.id,
        phone,
        realName,
        email: tenant.contactEmail,
        role: 'admin',
      });
    } finally {
      await tenantConn.end();
    }
    await bindTenantAdmin(ctx.db, { globalUserId: user.id, tenantCode: tenant.tenantCode, tenantUserId });
    // The hash has served its purpose; null removes it from the details (JSON_MERGE_PATCH).
    return { globalUserId: user.id, tenantUserId, phone, passwordHash: null, awaitingPassword: null };
  },
};
