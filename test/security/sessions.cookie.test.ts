import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { SUPER_ADMIN, startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { insertGlobalUser } from '../../control-plane/test/helpers/operator-fixtures';
import { setUserPassword } from './helpers/sessions';

/** The attributes of one Set-Cookie header line, lower-cased names. */
function parseSetCookie(header: string | null): { name: string; value: string; attrs: Map<string, string> } {
  assert.ok(header, 'a Set-Cookie header');
  const [pair, ...rest] = header.split(';').map((s) => s.trim());
  const eq = pair!.indexOf('=');
  const attrs = new Map(rest.map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a.toLowerCase(), ''] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
  }) as Array<[string, string]>);
  return { name: pair!.slice(0, eq), value: decodeURIComponent(pair!.slice(eq + 1)), attrs };
}

/**
 * Browsers get the refresh token in an HttpOnly, SameSite=Strict cookie scoped to the auth path,
 * so no web app keeps it where JavaScript (and an XSS) can read it.
 */
describe('security: sessions — the refresh token travels in an HttpOnly cookie for browsers', function () {
  this.timeout(60_000);
  let cp: TestControlPlane;
  const PASSWORD = 'garden2024pass';

  before(async () => {
    cp = await startControlPlane('seccookie', { TRUST_PROXY: 'true' });
  });
  after(async () => {
    await cp?.close();
  });

  async function user() {
    const phone = uniquePhone();
    const id = await insertGlobalUser(cp, { phone });
    await setUserPassword(cp.db, id, PASSWORD);
    return phone;
  }
  const login = (phone: string, headers: Record<string, string> = {}) =>
    http('POST', `${cp.url}/api/auth/login`, { body: { phone, password: PASSWORD }, headers });

  it('when a user signs in, then the refresh token is also set as an HttpOnly SameSite=Strict cookie on /api/auth only', async () => {
    const res = await login(await user());
    assert.equal(res.status, 200);
    const cookie = parseSetCookie(res.headers.get('set-cookie'));
    assert.equal(cookie.name, 'kg_refresh');
    assert.equal(cookie.value, res.body.data.refreshToken, 'the JSON field stays for API clients');
    assert.ok(cookie.attrs.has('httponly'));
    assert.equal(cookie.attrs.get('samesite'), 'Strict');
    assert.equal(cookie.attrs.get('path'), '/api/auth');
    assert.ok(!cookie.attrs.has('secure'), 'plain HTTP: not Secure');
    const https = parseSetCookie((await login(await user(), { 'x-forwarded-proto': 'https' })).headers.get('set-cookie'));
    assert.ok(https.attrs.has('secure'), 'under HTTPS the cookie is Secure');
  });

  it('when the browser refreshes and signs out with the cookie alone, then it rotates, then ends that sign-in and clears the cookie', async () => {
    const phone = await user();
    const first = parseSetCookie((await login(phone)).headers.get('set-cookie'));
    const other = await login(phone);
    const rotated = await http('POST', `${cp.url}/api/auth/refresh`, { headers: { cookie: `kg_refresh=${first.value}` } });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const next = parseSetCookie(rotated.headers.get('set-cookie'));
    assert.equal(next.value, rotated.body.data.refreshToken);
    assert.notEqual(next.value, first.value);

    const out = await http('POST', `${cp.url}/api/auth/logout`, { token: rotated.body.data.token, headers: { cookie: `kg_refresh=${next.value}` } });
    assert.equal(out.status, 200);
    assert.equal(out.body.data.revokedRefreshTokens, 1, 'that sign-in only, not everywhere');
    const cleared = parseSetCookie(out.headers.get('set-cookie'));
    assert.equal(cleared.value, '');
    assert.ok(new Date(cleared.attrs.get('expires')!).getTime() < Date.now());
    assert.equal((await http('POST', `${cp.url}/api/auth/refresh`, { headers: { cookie: `kg_refresh=${next.value}` } })).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/auth/refresh`, { body: { refreshToken: other.body.data.refreshToken } })).status, 200);
  });

  it('when neither body nor cookie carries a refresh token, then 400 names the field', async () => {
    const res = await http('POST', `${cp.url}/api/auth/refresh`, { body: {} });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details[0].field, 'refreshToken');
  });

  it('when an operator signs in, then the admin refresh cookie is scoped to /api/admin/auth and works there', async () => {
    const res = await http('POST', `${cp.url}/api/admin/auth/login`, { body: SUPER_ADMIN });
    const cookie = parseSetCookie(res.headers.get('set-cookie'));
    assert.equal(cookie.name, 'kg_admin_refresh');
    assert.equal(cookie.attrs.get('path'), '/api/admin/auth');
    assert.ok(cookie.attrs.has('httponly'));
    assert.equal(cookie.attrs.get('samesite'), 'Strict');
    const refreshed = await http('POST', `${cp.url}/api/admin/auth/refresh`, { headers: { cookie: `kg_admin_refresh=${cookie.value}` } });
    assert.equal(refreshed.status, 200);
  });
});
