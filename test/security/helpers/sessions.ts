import bcrypt from 'bcryptjs';
import type { Pool } from '@kg/shared';
import { http } from '@kg/shared/testing';

/** Gives an account a real password (fixtures insert placeholder hashes), optionally one-time. */
export async function setUserPassword(db: Pool, globalUserId: number, password: string, oneTime = false): Promise<void> {
  await db.query('UPDATE global_users SET password_hash = ?, must_change_password = ? WHERE id = ?', [
    bcrypt.hashSync(password, 4),
    oneTime ? 1 : 0,
    globalUserId,
  ]);
}

export async function setAdminPassword(db: Pool, adminId: number, password: string): Promise<void> {
  await db.query('UPDATE admin_users SET password = ? WHERE id = ?', [bcrypt.hashSync(password, 4), adminId]);
}

/** Phone sign-in over HTTP; throws unless 200. Returns the data and the Set-Cookie header. */
export async function signIn(cpUrl: string, phone: string, password: string) {
  const res = await http('POST', `${cpUrl}/api/auth/login`, { body: { phone, password } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...(res.body.data as { token: string; refreshToken: string; mustChangePassword: boolean }), setCookie: res.headers.get('set-cookie') };
}

/** Admin sign-in over HTTP; throws unless 200. */
export async function adminSignIn(cpUrl: string, username: string, password: string) {
  const res = await http('POST', `${cpUrl}/api/admin/auth/login`, { body: { username, password } });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { token: string; refreshToken: string };
}

/** Polls `check` until it holds; returns the milliseconds it took (throws after `timeoutMs`). */
export async function within(timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
