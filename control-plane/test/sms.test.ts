import assert from 'node:assert/strict';
import { AppError } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { verifySmsCode, type SmsPurpose } from '../src/modules/sms/sms.service';
import { startControlPlane, type TestControlPlane } from './helpers/harness';

let phoneSeq = 0;
/** A fresh phone per test, so throttles and daily caps never leak between tests. */
function phone(): string {
  return `135${String(Date.now() % 1e6).padStart(6, '0')}${String(phoneSeq++ % 100).padStart(2, '0')}`;
}

describe('SMS verification codes', () => {
  let cp: TestControlPlane;
  let operatorToken: string;

  before(async () => {
    cp = await startControlPlane('sms');
    operatorToken = cp.ctx.tokens.signAdmin({ id: 1, username: 'ops', role: 'operator' }).token;
  });
  after(async () => {
    await cp?.close();
  });

  async function send(p: string, purpose: SmsPurpose = 'tenant_create') {
    return http('POST', `${cp.url}/api/sms/send-code`, { body: { phone: p, purpose } });
  }

  /** The last code the console provider "sent" to the phone, read as an operator would. */
  async function lastCode(p: string): Promise<string> {
    const res = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${p}`, { token: operatorToken });
    assert.equal(res.status, 200);
    return res.body.data.items[0].code;
  }

  async function verifyError(p: string, code: string, purpose: SmsPurpose = 'tenant_create'): Promise<AppError> {
    try {
      await verifySmsCode(cp.ctx, { phone: p, purpose, code });
    } catch (err) {
      assert.ok(err instanceof AppError);
      return err;
    }
    assert.fail('expected the code to be refused');
  }

  it('when a code is requested, then an operator sees it in the dev inbox and it is stored hashed', async () => {
    const p = phone();
    const res = await send(p);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { expiresInSeconds: 300, resendAfterSeconds: 60 });
    const inbox = await http('GET', `${cp.url}/api/sms/dev-inbox?phone=${p}`, { token: operatorToken });
    assert.equal(inbox.status, 200);
    const [entry] = inbox.body.data.items;
    assert.equal(entry.phone, p);
    assert.equal(entry.purpose, 'tenant_create');
    assert.match(entry.code, /^\d{6}$/);
    const [rows] = await cp.db.query<any[]>('SELECT code_hash FROM sms_verification_codes WHERE phone = ?', [p]);
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].code_hash, entry.code);
    assert.doesNotMatch(rows[0].code_hash, new RegExp(entry.code));
  });

  it('when nobody (or a tenant user) asks for the dev inbox, then 401', async () => {
    assert.equal((await http('GET', `${cp.url}/api/sms/dev-inbox`)).status, 401);
    const userToken = cp.ctx.tokens.signUser({ id: 1, phone: '13800138000' }).token;
    assert.equal((await http('GET', `${cp.url}/api/sms/dev-inbox`, { token: userToken })).status, 401);
  });

  it('when the right code is given, then it verifies once and cannot be reused', async () => {
    const p = phone();
    await send(p, 'register');
    const code = await lastCode(p);
    await verifySmsCode(cp.ctx, { phone: p, purpose: 'register', code });
    const again = await verifyError(p, code, 'register');
    assert.equal(again.code, 'SMS_CODE_INVALID');
  });

  it('when the code belongs to another purpose, then it is refused', async () => {
    const p = phone();
    await send(p, 'login');
    const err = await verifyError(p, await lastCode(p), 'reset_password');
    assert.equal(err.code, 'SMS_CODE_INVALID');
  });

  it('when the code has expired, then SMS_CODE_EXPIRED on the field smsVerificationCode', async () => {
    const p = phone();
    await send(p);
    const code = await lastCode(p);
    await cp.db.query('UPDATE sms_verification_codes SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE phone = ?', [p]);
    const err = await verifyError(p, code);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'SMS_CODE_EXPIRED');
    assert.equal((err.details as Array<{ field: string }>)[0].field, 'smsVerificationCode');
  });

  it('when 5 wrong codes are tried, then the code is dead even for the right digits', async () => {
    const p = phone();
    await send(p);
    const code = await lastCode(p);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= 4; i++) {
      const err = await verifyError(p, wrong);
      assert.equal(err.code, 'SMS_CODE_INVALID');
      assert.equal((err.details as Array<{ attemptsLeft: number }>)[0].attemptsLeft, 5 - i);
    }
    assert.equal((await verifyError(p, wrong)).code, 'SMS_CODE_ATTEMPTS_EXCEEDED');
    assert.equal((await verifyError(p, code)).code, 'SMS_CODE_ATTEMPTS_EXCEEDED');
  });

  it('when a code is requested again within 60 s, then 429 with Retry-After; another purpose is not throttled', async () => {
    const p = phone();
    assert.equal((await send(p)).status, 200);
    const again = await send(p);
    assert.equal(again.status, 429);
    assert.equal(again.body.error.code, 'SMS_RESEND_THROTTLED');
    const retryAfter = Number(again.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal((await send(p, 'login')).status, 200);
  });

  it('when a new code is sent, then the previous one stops working', async () => {
    const p = phone();
    await send(p);
    const first = await lastCode(p);
    await cp.ctx.redis.del(cp.ctx.key('sms', 'resend', p, 'tenant_create'));
    await send(p);
    const second = await lastCode(p);
    if (first !== second) assert.equal((await verifyError(p, first)).code, 'SMS_CODE_INVALID');
    await verifySmsCode(cp.ctx, { phone: p, purpose: 'tenant_create', code: second });
  });

  it('when the daily cap per phone is reached, then 429 until midnight', async () => {
    const p = phone();
    for (let i = 0; i < 10; i++) {
      await cp.ctx.redis.del(cp.ctx.key('sms', 'resend', p, 'login'));
      assert.equal((await send(p, 'login')).status, 200, `send ${i + 1}`);
    }
    await cp.ctx.redis.del(cp.ctx.key('sms', 'resend', p, 'login'));
    const capped = await send(p, 'login');
    assert.equal(capped.status, 429);
    assert.equal(capped.body.error.code, 'SMS_DAILY_LIMIT_REACHED');
    assert.ok(Number(capped.headers.get('retry-after')) > 0);
  });

  it('when the phone or purpose is invalid, then 400 with field errors', async () => {
    const res = await http('POST', `${cp.url}/api/sms/send-code`, { body: { phone: '12345', purpose: 'spam' } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'VALIDATION_ERROR');
    const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
    assert.deepEqual(fields, ['phone', 'purpose']);
  });
});
