import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { http } from '@kg/shared/testing';
import { bindUser, claimsOf, headerOf, insertTenant, loginUser, registerUser, rows } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access tokens: forged, expired and misdirected tokens are refused', () => {
  let cp: TestControlPlane;
  let user: { phone: string; globalUserId: number };
  let genuine: string;
  before(async () => {
    cp = await startControlPlane('authtok');
    user = await registerUser(cp);
    genuine = (await loginUser(cp, user.phone)).token;
  });
  after(async () => {
    await cp?.close();
  });

  const me = (token: string) => http('GET', `${cp.url}/api/auth/me`, { token });
  /** Claims like a genuine token's, re-signed by the test with whatever key and options. */
  const claims = () => {
    const { iat: _iat, exp: _exp, ...rest } = claimsOf(genuine);
    return rest;
  };

  it('when the genuine token is presented, then it is accepted', async () => {
    assert.equal((await me(genuine)).status, 200);
  });

  it('when a token is signed by another RSA key under the real kid, then 401 TOKEN_INVALID', async () => {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { aud, iss, ...rest } = claims();
    const forged = jwt.sign(rest, privateKey, { algorithm: 'RS256', keyid: headerOf(genuine).kid, audience: aud, issuer: iss, expiresIn: 600 });
    const res = await me(forged);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when a token says alg none, then 401 TOKEN_INVALID', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT', kid: headerOf(genuine).kid })}.${b64url({ ...claims(), iat: now, exp: now + 600 })}.`;
    const res = await me(unsigned);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when a token is HMAC-signed with the public key as secret, then 401 TOKEN_INVALID', async () => {
    const kid = headerOf(genuine).kid;
    const publicPem = cp.ctx.keys.signingKey().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.${b64url({ ...claims(), iat: now, exp: now + 600 })}`;
    const signature = crypto.createHmac('sha256', publicPem).update(signingInput).digest('base64url');
    const res = await me(`${signingInput}.${signature}`);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when a genuinely signed token has expired, then 401 TOKEN_EXPIRED', async () => {
    const key = cp.ctx.keys.signingKey();
    const past = Math.floor(Date.now() / 1000) - 120;
    const expired = jwt.sign({ ...claims(), iat: past - 3600, exp: past }, key.privateKey, { algorithm: 'RS256', keyid: key.kid });
    const res = await me(expired);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_EXPIRED');
  });

  it('when a genuinely signed token names another audience or issuer, then 401', async () => {
    const key = cp.ctx.keys.signingKey();
    const { aud, iss, ...rest } = claims();
    const sign = (audience: string, issuer: string) =>
      jwt.sign(rest, key.privateKey, { algorithm: 'RS256', keyid: key.kid, audience, issuer, expiresIn: 600 });
    for (const token of [sign('some-other-app', iss), sign(aud, 'https://evil.example')]) {
      const res = await me(token);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'TOKEN_INVALID');
    }
  });

  it('when the signing key is rotated, then old tokens still work, new ones carry the new kid, and the JWKS lists both', async () => {
    const oldKid = headerOf(genuine).kid;
    const newKid = await cp.ctx.keys.rotate();
    assert.notEqual(newKid, oldKid);
    assert.equal((await me(genuine)).status, 200, 'a token from before the rotation keeps verifying');
    const fresh = (await loginUser(cp, user.phone)).token;
    assert.equal(headerOf(fresh).kid, newKid);
    assert.equal((await me(fresh)).status, 200);
    const jwks = await http('GET', `${cp.url}/.well-known/jwks.json`);
    const kids = jwks.body.keys.map((k: { kid: string }) => k.kid);
    assert.ok(kids.includes(oldKid) && kids.includes(newKid), `JWKS kids: ${kids.join(', ')}`);
  });

  // A token verified once is remembered until it expires (token.service.ts): these prove the
  // memory never accepts what a full check would refuse.
  it('when a remembered token is presented with other claims under its signature, then 401 TOKEN_INVALID', async () => {
    const token = (await loginUser(cp, user.phone)).token;
    assert.equal((await me(token)).status, 200); // verified and remembered
    const [header, , signature] = token.split('.');
    const other = b64url({ ...claimsOf(token), sub: '999999' });
    const res = await me(`${header}.${other}.${signature}`);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when the key that verified a remembered token is retired, then the token is refused at once', async () => {
    const token = (await loginUser(cp, user.phone)).token;
    assert.equal((await me(token)).status, 200); // verified and remembered
    await cp.ctx.keys.rotate();
    await cp.ctx.keys.retireOld(0);
    const res = await me(token);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });
});

describe('refresh tokens and sign-out', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('authrefresh');
  });
  after(async () => {
    await cp?.close();
  });

  const refresh = (refreshToken: string) => http('POST', `${cp.url}/api/auth/refresh`, { body: { refreshToken } });

  it('when a refresh token is used, then a new pair comes back and the old refresh token is spent', async () => {
    const user = await registerUser(cp);
    const login = await loginUser(cp, user.phone);
    const res = await refresh(login.refreshToken);
    assert.equal(res.status, 200);
    assert.notEqual(res.body.data.refreshToken, login.refreshToken);
    assert.notEqual(res.body.data.token, login.token);
    assert.equal(res.body.data.expiresIn, 3600);
    assert.equal((await http('GET', `${cp.url}/api/auth/me`, { token: res.body.data.token })).status, 200);
    const second = await refresh(res.body.data.refreshToken);
    assert.equal(second.status, 200, 'the newest token rotates again');
    const stored = await rows(cp, "SELECT status FROM refresh_tokens WHERE subject_type = 'user' AND subject_id = ? ORDER BY id", [
      user.globalUserId,
    ]);
    assert.deepEqual(stored.map((r) => r.status), ['rotated', 'rotated', 'active']);
  });

  it('when a rotated refresh token is presented again, then the whole family is revoked and a security event is written', async () => {
    const user = await registerUser(cp);
    const login = await loginUser(cp, user.phone);
    const rotated = (await refresh(login.refreshToken)).body.data;

    const reuse = await refresh(login.refreshToken);
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'REFRESH_TOKEN_REUSED');
    const newest = await refresh(rotated.refreshToken);
    assert.equal(newest.status, 401, 'the legitimate newest token dies with its family');
    assert.equal(newest.body.error.code, 'REFRESH_TOKEN_REUSED');

    const events = await rows(cp, "SELECT severity, subject_type FROM security_events WHERE event_type = 'refresh_token_reuse' AND subject_id = ?", [
      String(user.globalUserId),
    ]);
    assert.ok(events.length >= 1);
    assert.deepEqual([events[0]!.severity, events[0]!.subject_type], ['high', 'user']);
    const logs = await rows(cp, "SELECT success FROM unified_auth_logs WHERE event_type = 'refresh_reuse' AND subject_id = ?", [
      user.globalUserId,
    ]);
    assert.ok(logs.length >= 1);
    assert.equal(logs[0]!.success, 0);
  });

  it('when one session is compromised, then the same user signed in elsewhere keeps working', async () => {
    const user = await registerUser(cp);
    const phone = await loginUser(cp, user.phone);
    const laptop = await loginUser(cp, user.phone);
    await refresh(phone.refreshToken);
    assert.equal((await refresh(phone.refreshToken)).status, 401);
    assert.equal((await refresh(laptop.refreshToken)).status, 200);
  });

  it('when the refresh token has expired, then 401 TOKEN_EXPIRED', async () => {
    const user = await registerUser(cp);
    const login = await loginUser(cp, user.phone);
    await cp.db.query("UPDATE refresh_tokens SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE subject_type = 'user' AND subject_id = ?", [
      user.globalUserId,
    ]);
    const res = await refresh(login.refreshToken);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_EXPIRED');
  });

  it('when a made-up refresh token is presented, then 401 TOKEN_INVALID', async () => {
    const res = await refresh(crypto.randomBytes(32).toString('base64url'));
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'TOKEN_INVALID');
  });

  it('when a user signs out with a refresh token, then that access token and refresh family stop working, other sessions do not', async () => {
    const user = await registerUser(cp);
    const session = await loginUser(cp, user.phone);
    const other = await loginUser(cp, user.phone);
    const out = await http('POST', `${cp.url}/api/auth/logout`, { token: session.token, body: { refreshToken: session.refreshToken } });
    assert.equal(out.status, 200);
    assert.equal(out.body.data.revokedRefreshTokens, 1);

    const me = await http('GET', `${cp.url}/api/auth/me`, { token: session.token });
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, 'TOKEN_REVOKED');
    const again = await refresh(session.refreshToken);
    assert.equal(again.status, 401);
    assert.equal(again.body.error.code, 'TOKEN_REVOKED');
    assert.equal((await http('GET', `${cp.url}/api/auth/me`, { token: other.token })).status, 200);
    assert.equal((await refresh(other.refreshToken)).status, 200);
  });

  it('when a user signs out without a refresh token, then every session of theirs is revoked', async () => {
    const user = await registerUser(cp);
    const a = await loginUser(cp, user.phone);
    const b = await loginUser(cp, user.phone);
    const out = await http('POST', `${cp.url}/api/auth/logout`, { token: a.token });
    assert.equal(out.status, 200);
    assert.equal(out.body.data.revokedRefreshTokens, 2);
    assert.equal((await refresh(a.refreshToken)).status, 401);
    assert.equal((await refresh(b.refreshToken)).status, 401);
  });

  it("when someone signs out with another user's refresh token, then that user's session is untouched", async () => {
    const victim = await registerUser(cp);
    const attacker = await registerUser(cp);
    const victimSession = await loginUser(cp, victim.phone);
    const attackerSession = await loginUser(cp, attacker.phone);
    const out = await http('POST', `${cp.url}/api/auth/logout`, {
      token: attackerSession.token,
      body: { refreshToken: victimSession.refreshToken },
    });
    assert.equal(out.status, 200);
    // Only the caller's own sign-in ended (logout ends the access token's sign-in).
    assert.equal(out.body.data.revokedRefreshTokens, 1);
    assert.equal((await refresh(attackerSession.refreshToken)).status, 401);
    assert.equal((await refresh(victimSession.refreshToken)).status, 200);
  });

  it('when a tenant-scoped token is refreshed, then it stays scoped while the tenant is active and stops when suspended', async () => {
    const user = await registerUser(cp);
    const code = await insertTenant(cp);
    await bindUser(cp, user.globalUserId, code, 'teacher');
    const { token } = await loginUser(cp, user.phone);
    const scoped = (await http('POST', `${cp.url}/api/auth/switch-tenant`, { token, body: { tenantCode: code } })).body.data;

    const next = await refresh(scoped.refreshToken);
    assert.equal(next.status, 200);
    assert.equal(claimsOf(next.body.data.token).tenant, code);
    assert.equal(claimsOf(next.body.data.token).role, 'teacher');

    await cp.db.query("UPDATE tenants SET status = 'suspended' WHERE tenant_id = ?", [code]);
    const refused = await refresh(next.body.data.refreshToken);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'TENANT_SUSPENDED');

    await cp.db.query("UPDATE tenants SET status = 'active' WHERE tenant_id = ?", [code]);
    await cp.db.query("UPDATE global_user_tenant_relations SET status = 'disabled' WHERE tenant_code = ?", [code]);
    const unbound = await refresh(next.body.data.refreshToken);
    assert.equal(unbound.status, 403);
    assert.equal(unbound.body.error.code, 'NOT_BOUND_TO_TENANT');
  });

  it('when a suspended user refreshes, then 403 ACCOUNT_DISABLED', async () => {
    const user = await registerUser(cp);
    const login = await loginUser(cp, user.phone);
    await cp.db.query("UPDATE global_users SET status = 'suspended' WHERE id = ?", [user.globalUserId]);
    const res = await refresh(login.refreshToken);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'ACCOUNT_DISABLED');
  });

  it('when the same refresh token is sent twice at once, then exactly one rotation wins and the family is revoked', async () => {
    const user = await registerUser(cp);
    const login = await loginUser(cp, user.phone);
    const results = await Promise.all([refresh(login.refreshToken), refresh(login.refreshToken)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    assert.equal((await refresh(winner.body.data.refreshToken)).status, 401, 'a copied token poisons the family');
  });
});
