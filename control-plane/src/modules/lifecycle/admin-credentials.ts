import type { Pool, ResultSetHeader, RowDataPacket } from '@kg/shared';
import type { AppContext } from '../../context';
import { generatePassword } from '../../internal/password';
import { passwordHasher } from '../../internal/password-hasher';

/**
 * The one-time password of a tenant admin created by the pipeline (SPEC §5 step 4).
 *
 * When the contact phone has no global user yet, the create request marks the `create_admin`
 * step `awaitingPassword`, and once the pipeline is queued generates a password and stores two
 * things in that step's details: its bcrypt hash (the worker creates the user with it,
 * must_change_password = 1) and the password sealed with MASTER_KEY. Hashing runs while the
 * worker does the first steps, so bcrypt's cost is not added to provisioning time. The plaintext
 * never reaches Redis or the provisioner. GET /api/tenants/:code/progress shows it to an operator
 * exactly once, after the step completed with a newly created user, and removes it in the same
 * statement; if the user already existed (or the worker gave up waiting), it is never shown.
 */
export async function needsAdminPassword(ctx: AppContext, phone: string): Promise<boolean> {
  const [rows] = await ctx.db.query<RowDataPacket[]>('SELECT 1 FROM global_users WHERE phone = ?', [phone]);
  return rows.length === 0;
}

/**
 * bcrypt cost for generated one-time passwords. The work factor exists to slow down guessing of
 * human-chosen passwords; a 20-character random password from a 62-symbol alphabet carries about
 * 119 bits of entropy, which no amount of guessing reaches at any cost, so a low cost loses no
 * security and keeps bcrypt from competing with the clone for the CPU. The admin must choose a
 * new password at first sign-in (must_change_password), hashed at BCRYPT_COST.
 */
export const ONE_TIME_PASSWORD_BCRYPT_COST = 8;

/** Hashes and seals a new one-time password into the tenant's `create_admin` step (see above). */
export async function attachAdminPassword(ctx: AppContext, code: string): Promise<void> {
  let patch: Record<string, unknown>;
  try {
    const password = generatePassword(20);
    patch = {
      passwordHash: await passwordHasher.hash(password, Math.min(ctx.config.BCRYPT_COST, ONE_TIME_PASSWORD_BCRYPT_COST)),
      sealedPassword: ctx.secrets.seal(password),
      awaitingPassword: null,
    };
  } catch (err) {
    ctx.logger.error({ tenant: code, err: (err as Error).message }, 'one-time password could not be hashed');
    patch = { awaitingPassword: null };
  }
  await ctx.db.query(
    `UPDATE tenant_init_steps SET details = JSON_MERGE_PATCH(COALESCE(details, '{}'), ?)
      WHERE tenant_id = ? AND step_name = 'create_admin' AND status <> 'completed'
        AND JSON_VALUE(details, '$.createdUser') IS NULL`,
    [JSON.stringify(patch), code],
  );
}

export interface AdminCredentials {
  phone: string;
  oneTimePassword: string;
  mustChangePassword: true;
}

/**
 * Takes the sealed one-time password out of a completed `create_admin` step. Returns it only to
 * the one caller whose UPDATE removed it (so it is shown once, even to concurrent readers), and
 * only when the pipeline created the user.
 */
export async function takeAdminCredentials(ctx: AppContext, code: string): Promise<AdminCredentials | null> {
  const db: Pool = ctx.db;
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, status, JSON_VALUE(details, '$.sealedPassword') AS sealed, JSON_VALUE(details, '$.createdUser') AS created,
            JSON_VALUE(details, '$.passwordUnavailable') AS unavailable, JSON_VALUE(details, '$.phone') AS phone
       FROM tenant_init_steps WHERE tenant_id = ? AND step_name = 'create_admin'`,
    [code],
  );
  const row = rows[0];
  if (!row || row.status !== 'completed' || !row.sealed) return null;
  const [res] = await db.query<ResultSetHeader>(
    `UPDATE tenant_init_steps SET details = JSON_REMOVE(details, '$.sealedPassword')
      WHERE id = ? AND JSON_CONTAINS_PATH(details, 'one', '$.sealedPassword')`,
    [row.id],
  );
  if (res.affectedRows !== 1) return null;
  // JSON_VALUE gives a JSON true as '1' on MariaDB and 'true' on MySQL.
  const isTrue = (v: unknown) => v === '1' || v === 'true' || v === 1 || v === true;
  if (!isTrue(row.created) || isTrue(row.unavailable)) return null;
  return { phone: String(row.phone), oneTimePassword: ctx.secrets.open(String(row.sealed)), mustChangePassword: true };
}
