import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { USER_PASSWORD, registerCode, registerUser, uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { needsAdminPassword } from '../../control-plane/src/modules/lifecycle/admin-credentials';

/*
 * Finding 1 of issue #9: registering a phone first made you its future tenant's admin, because
 * register needed no proof of the phone and the create pipeline adopts the account holding the
 * contact phone. Registration now spends an SMS code sent to that phone for purpose `register`.
 */
describe('security: proof of phone ownership at registration (issue #9 finding 1)', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane('secown');
  });
  after(async () => {
    await cp?.close();
  });

  const register = (body: Record<string, unknown>) => http('POST', `${cp.url}/api/auth/register`, { body });
  const accounts = async (phone: string) => {
    const [rows] = await cp.db.query<any[]>('SELECT id FROM global_users WHERE phone = ?', [phone]);
    return rows.length;
  };

  it('when an attacker registers a future contact phone without its SMS code, then no account is made and the tenant admin still gets a one-time password', async () => {
    const victim = uniquePhone();
    const noCode = await register({ phone: victim, password: 'attacker123', realName: 'Mallory' });
    assert.equal(noCode.status, 400);
    assert.deepEqual(noCode.body.error.details, [{ field: 'smsCode', message: 'is required' }]);
    const guessed = await register({ phone: victim, password: 'attacker123', realName: 'Mallory', smsCode: '000000' });
    assert.equal(guessed.status, 400);
    assert.equal(guessed.body.error.code, 'SMS_CODE_INVALID');
    assert.equal(guessed.body.error.details[0].field, 'smsCode');
    assert.equal(await accounts(victim), 0);
    // The create pipeline will create the admin itself and issue a one-time password.
    assert.equal(await needsAdminPassword(cp.ctx, victim), true);
  });

  it('when a code sent for another purpose is presented, then registration refuses it', async () => {
    const phone = uniquePhone();
    await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone, purpose: 'tenant_create' } });
    const inbox = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${phone}`, { token: await cp.superAdminToken() });
    const code = inbox.body.data.items[0].code;
    const res = await register({ phone, password: USER_PASSWORD, realName: '王', smsCode: code });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'SMS_CODE_INVALID');
    assert.equal(await accounts(phone), 0);
  });

  it('when the input is invalid, then the SMS code is not spent and works for the corrected request', async () => {
    const phone = uniquePhone();
    const smsCode = await registerCode(cp, phone);
    const weak = await register({ phone, password: 'short', realName: '王', smsCode });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.code, 'VALIDATION_ERROR');
    const ok = await register({ phone, password: USER_PASSWORD, realName: '王', smsCode });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    // Spent now: the same code cannot register again.
    const replay = await register({ phone, password: USER_PASSWORD, realName: '王', smsCode });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error.code, 'SMS_CODE_INVALID');
  });

  it('when the phone is registered, then only the holder of a fresh code learns it (409); anyone else gets the same 400 as for a new phone', async () => {
    const existing = await registerUser(cp);
    const fresh = uniquePhone();
    const probe = (phone: string) => register({ phone, password: USER_PASSWORD, realName: '王', smsCode: '000000' });
    const [a, b] = [await probe(existing.phone), await probe(fresh)];
    assert.equal(a.status, b.status);
    assert.equal(a.body.error.code, b.body.error.code);
    assert.equal(a.body.error.message, b.body.error.message);
    const holder = await register({ phone: existing.phone, password: USER_PASSWORD, realName: '王', smsCode: await registerCode(cp, existing.phone) });
    assert.equal(holder.status, 409);
  });

  it('when a code is asked for a registered and an unregistered phone, then both answers are the same', async () => {
    const existing = await registerUser(cp);
    await cp.ctx.redis.del(cp.ctx.key('sms', 'resend', existing.phone, 'register'));
    const a = await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone: existing.phone, purpose: 'register' } });
    const b = await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone: uniquePhone(), purpose: 'register' } });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, b.body);
  });
});
