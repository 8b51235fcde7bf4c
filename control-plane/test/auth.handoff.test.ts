import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { bindUser, claimsOf, insertTenant, loginUser, registerUser } from './helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

/** The sign-in hand-off to another kindergarten's subdomain (docs/staff-app.md, Tenant picker). */
describe('control plane: sign-in hand-off between tenant subdomains', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('handoff');
  });
  after(async () => {
    await cp?.close();
  });

  it('when a member asks for a hand-off to their tenant, then the code redeems once into a scoped token and the refresh cookie', async () => {
    const user = await registerUser(cp);
    const code = await insertTenant(cp, { name: 'Hand-off kindergarten' });
    await bindUser(cp, user.globalUserId, code, 'teacher');
    const { token } = await loginUser(cp, user.phone);
    const started = await http('POST', `${cp.url}/api/auth/handoff`, { token, body: { tenantCode: code } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.match(started.body.data.code, /^[A-Za-z0-9_-]{43}$/);

    const redeemed = await http('POST', `${cp.url}/api/auth/handoff/redeem`, { body: { code: started.body.data.code } });
    assert.equal(redeemed.status, 200);
    const claims = claimsOf(redeemed.body.data.token);
    assert.deepEqual([claims.sub, claims.tenant, claims.sid], [String(user.globalUserId), code, claimsOf(token).sid]);
    assert.match(redeemed.headers.get('set-cookie') ?? '', /kg_refresh=.*HttpOnly/i);

    const again = await http('POST', `${cp.url}/api/auth/handoff/redeem`, { body: { code: started.body.data.code } });
    assert.equal(again.status, 401, 'a code works once');
  });

  it('when a user asks for a tenant they do not belong to, or sends a made-up or malformed code, then it is refused', async () => {
    const user = await registerUser(cp);
    const other = await insertTenant(cp, { name: 'Not theirs' });
    const { token } = await loginUser(cp, user.phone);
    const refused = await http('POST', `${cp.url}/api/auth/handoff`, { token, body: { tenantCode: other } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'NOT_BOUND_TO_TENANT');
    assert.equal((await http('POST', `${cp.url}/api/auth/handoff`, { body: { tenantCode: other } })).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/auth/handoff/redeem`, { body: { code: 'A'.repeat(43) } })).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/auth/handoff/redeem`, { body: { code: "' OR 1=1 --" } })).status, 400);
  });
});
