import crypto from 'node:crypto';
import { connect, ensureTenantUser, type PoolConnection, type ResultSetHeader, type RowDataPacket } from '@kg/shared';
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
async function waitForPasswordHash(ctx: StepRun['ctx'], code: string, phone: string): Promise<void> {
  const deadline = Date.now() + ctx.config.PROVISIONER_PASSWORD_WAIT_MS;
  for (;;) {
    const [users] = await ctx.db.query<RowDataPacket[]>('SELECT 1 FROM global_users WHERE phone = ?', [phone]);
    if (users.length > 0) return;
    const [rows] = await ctx.db.query<RowDataPacket[]>(
      `SELECT JSON_VALUE(details, '$.passwordHash') AS hash, JSON_VALUE(details, '$.awaitingPassword') AS waiting
         FROM tenant_init_steps WHERE tenant_id = ? AND step_name = 'create_admin'`,
      [code],
    );
    const r = rows[0];
    // JSON_VALUE gives a JSON true as '1' on MariaDB and 'true' on MySQL.
    if (!r || r.hash || (r.waiting !== '1' && r.waiting !== 'true')) return;
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
  code: string,
  input: { phone: string; realName: string; email: string | null },
): Promise<{ id: number; created: boolean }> {
  // A plain read, no FOR UPDATE: a locking read of a missing phone takes a gap lock, and two
  // pipelines creating different users in one gap then deadlock on their inserts.
  const [found] = await conn.query<RowDataPacket[]>('SELECT id FROM global_users WHERE phone = ?', [input.phone]);
  if (found.length > 0) return { id: Number(found[0]!.id), created: false };
  await conn.beginTransaction();
  try {
    const [step] = await conn.query<RowDataPacket[]>(
      `SELECT JSON_VALUE(details, '$.passwordHash') AS hash FROM tenant_init_steps
        WHERE tenant_id = ? AND step_name = 'create_admin' FOR UPDATE`,
      [code],
    );
    const passwordHash = step[0]?.hash ? String(step[0].hash) : null;
    const [res] = await conn.query<ResultSetHeader>(
      `INSERT INTO global_users (phone, password_hash, real_name, email, registration_source, status, must_change_password)
       VALUES (?, ?, ?, ?, 'tenant_provisioning', 'active', 1)`,
      [input.phone, passwordHash ?? unusablePasswordHash(), input.realName.slice(0, 50), input.email],
    );
    await conn.query(
      `UPDATE tenant_init_steps SET details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?)
        WHERE tenant_id = ? AND step_name = 'create_admin'`,
      [JSON.stringify({ globalUserId: res.insertId, createdUser: true, passwordUnavailable: passwordHash ? null : true }), code],
    );
    await conn.commit();
    return { id: res.insertId, created: true };
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
    // Registered by someone else meanwhile (sign-up, another tenant's pipeline): use that user.
    const [again] = await conn.query<RowDataPacket[]>('SELECT id FROM global_users WHERE phone = ?', [input.phone]);
    if (!again[0]) throw err;
    return { id: Number(again[0].id), created: false };
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
    if (details.awaitingPassword && !details.passwordHash) await waitForPasswordHash(ctx, tenant.code, phone);

    const conn = await ctx.db.getConnection();
    let user: { id: number; created: boolean };
    try {
      user = await ensureGlobalUser(conn, tenant.code, { phone, realName, email: tenant.contactEmail });
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
    await ctx.db.query(
      `INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, tenant_user_id, role_in_tenant, status)
       VALUES (?, ?, ?, 'admin', 'active')
       ON DUPLICATE KEY UPDATE tenant_user_id = VALUES(tenant_user_id), role_in_tenant = 'admin', status = 'active'`,
      [user.id, tenant.code, String(tenantUserId)],
    );
    // The hash has served its purpose; null removes it from the details (JSON_MERGE_PATCH).
    return { globalUserId: user.id, tenantUserId, phone, passwordHash: null, awaitingPassword: null };
  },
};
