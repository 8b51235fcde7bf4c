import crypto from 'node:crypto';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import type { TestControlPlane } from './harness';

export const USER_PASSWORD = 'garden2024pass';

/** A random mainland mobile number matching the default PHONE_PATTERN. */
export function uniquePhone(): string {
  return `13${crypto.randomInt(0, 1e9).toString().padStart(9, '0')}`;
}

/** A random tenant code (k + digits) that no other test uses. */
export function uniqueTenantCode(): string {
  return `k${crypto.randomInt(1000, 1e9)}`;
}

const inboxTokens = new WeakMap<TestControlPlane, Promise<string>>();

/**
 * Sends a `register` SMS code to `phone` and reads it back from the console provider's dev inbox
 * as an operator would (the super admin's token, signed in once per control plane). The resend
 * throttle of an earlier code for the same phone is lifted first: tests register a phone again
 * on purpose.
 */
export async function registerCode(cp: TestControlPlane, phone: string): Promise<string> {
  await cp.ctx.redis.del(cp.ctx.key('sms', 'resend', phone, 'register'));
  const sent = await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone, purpose: 'register' } });
  if (sent.status !== 200) throw new Error(`send-code failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  let token = inboxTokens.get(cp);
  if (!token) {
    token = cp.superAdminToken();
    inboxTokens.set(cp, token);
  }
  const inbox = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${phone}`, { token: await token });
  const entry = inbox.body?.data?.items?.find((i: { purpose: string }) => i.purpose === 'register');
  if (!entry) throw new Error(`no register code in the dev inbox: ${inbox.status} ${JSON.stringify(inbox.body)}`);
  return entry.code as string;
}

/** Registers a global user through the API (with an SMS code) and returns its phone, password and id. */
export async function registerUser(
  cp: TestControlPlane,
  overrides: { phone?: string; password?: string; realName?: string } = {},
): Promise<{ phone: string; password: string; globalUserId: number; realName: string }> {
  const fields = { phone: uniquePhone(), password: USER_PASSWORD, realName: '王老师', ...overrides };
  const body = { ...fields, smsCode: await registerCode(cp, fields.phone) };
  const res = await http('POST', `${cp.url}/api/auth/register`, { body });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { phone: fields.phone, password: fields.password, realName: fields.realName, globalUserId: res.body.data.globalUserId };
}

/** Signs a user in and returns the response data (throws unless 200). */
export async function loginUser(cp: TestControlPlane, phone: string, password: string = USER_PASSWORD) {
  const res = await http('POST', `${cp.url}/api/auth/login`, { body: { phone, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { token: string; refreshToken: string; expiresIn: number; globalUserId: number; tenants: any[] };
}

/** Inserts a tenant row directly (the provisioner's job in real life). */
export async function insertTenant(
  cp: TestControlPlane,
  opts: { code?: string; name?: string; status?: string } = {},
): Promise<string> {
  const code = opts.code ?? uniqueTenantCode();
  await cp.db.query(
    'INSERT INTO tenants (tenant_id, name, domain, database_name, status, deleted_at) VALUES (?, ?, ?, ?, ?, ?)',
    [
      code,
      opts.name ?? `幼儿园 ${code}`,
      `${code}.localhost`,
      `rent_${code}`,
      opts.status ?? 'active',
      opts.status === 'deleted' ? new Date() : null,
    ],
  );
  return code;
}

/** Binds a global user to a tenant with a role (what POST /api/tenants/:code/users does). */
export async function bindUser(
  cp: TestControlPlane,
  globalUserId: number,
  tenantCode: string,
  role = 'teacher',
  lastLoginAt: Date | null = null,
): Promise<void> {
  await cp.db.query(
    'INSERT INTO global_user_tenant_relations (global_user_id, tenant_code, role_in_tenant, last_login_at) VALUES (?, ?, ?, ?)',
    [globalUserId, tenantCode, role, lastLoginAt],
  );
}

/** Rows of a control-DB query, for assertions. */
export async function rows<T = RowDataPacket>(cp: TestControlPlane, sql: string, params: unknown[] = []): Promise<T[]> {
  // AI calls are charged just after their answer: read once every answered call is booked.
  await cp.ctx.aiCharges.idle();
  const [result] = await cp.db.query<RowDataPacket[]>(sql, params);
  return result as unknown as T[];
}

/** The decoded claims (payload) of a JWT, without verifying it. */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** The decoded header of a JWT. */
export function headerOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}
