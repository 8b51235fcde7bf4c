import type { AppContext } from '../../context';
import { generatePassword } from '../../internal/password';
import { passwordHasher } from '../../internal/password-hasher';
import { findGlobalUserByPhone } from '../auth/global-user.repository';
import { findAdminStepSecret, patchPendingAdminStep, removeSealedPassword } from './lifecycle.repository';

/**
 * The one-time password of a tenant admin created by the pipeline (docs/control-plane.md,
 * "The create request").
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
  return (await findGlobalUserByPhone(ctx.db, phone)) === undefined;
}

/**
 * bcrypt cost for generated one-time passwords. The work factor exists to slow down guessing of
 * human-chosen passwords; a 20-character random password from a 62-symbol alphabet carries about
 * 119 bits of entropy, which no amount of guessing reaches at any cost, so a low cost loses no
 * security and keeps bcrypt from competing with the clone for the CPU. The admin must choose a
 * new password at first sign-in (must_change_password), hashed at BCRYPT_COST.
 */
const ONE_TIME_PASSWORD_BCRYPT_COST = 8;

/** Hashes and seals a new one-time password into the tenant's `create_admin` step (see above). */
export async function attachAdminPassword(ctx: AppContext, tenantCode: string): Promise<void> {
  let patch: Record<string, unknown>;
  try {
    const password = generatePassword(20);
    patch = {
      passwordHash: await passwordHasher.hash(password, Math.min(ctx.config.BCRYPT_COST, ONE_TIME_PASSWORD_BCRYPT_COST)),
      sealedPassword: ctx.secrets.seal(password),
      awaitingPassword: null,
    };
  } catch (err) {
    ctx.logger.error({ tenant: tenantCode, err: (err as Error).message }, 'one-time password could not be hashed');
    patch = { awaitingPassword: null };
  }
  await patchPendingAdminStep(ctx.db, tenantCode, patch);
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
export async function takeAdminCredentials(ctx: AppContext, tenantCode: string): Promise<AdminCredentials | null> {
  const step = await findAdminStepSecret(ctx.db, tenantCode);
  if (!step || step.status !== 'completed' || !step.sealedPassword) return null;
  if (!(await removeSealedPassword(ctx.db, step.stepId))) return null;
  if (!step.createdUser || step.passwordUnavailable) return null;
  return { phone: String(step.phone), oneTimePassword: ctx.secrets.open(step.sealedPassword), mustChangePassword: true };
}
