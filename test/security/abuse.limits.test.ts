import assert from 'node:assert/strict';
import { registerUser, uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { SUPER_ADMIN, startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { clientKey } from '../../control-plane/src/internal/abuse-limits';
import { call, type Answer } from './helpers/client';

/*
 * Finding 6 of issue #9: no per-IP or global throttling on sign-in, register, admin sign-in or
 * send-code, and an unbounded password-hash queue. Each attack below now meets a 429 (or 503)
 * with Retry-After. Other clients act from 127.0.0.2.. (all loopback).
 */

function assertLimited(res: Answer, status = 429): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${res.headers['retry-after']}`);
}

describe('security: abuse limits (issue #9 finding 6)', () => {
  describe('per client IP and per account', () => {
    let cp: TestControlPlane;
    before(async () => {
      cp = await startControlPlane('secabuse', {
        RATE_LIMIT_SIGN_IN_PER_IP: '5',
        RATE_LIMIT_SIGN_IN_PER_ACCOUNT: '3',
        RATE_LIMIT_SEND_CODE_PER_IP: '3',
        RATE_LIMIT_REGISTER_PER_IP: '2',
      });
    });
    after(async () => {
      await cp?.close();
    });

    it('when one IP floods sign-in with wrong passwords for many phones, then it gets 429 with Retry-After and another IP is still heard', async () => {
      const answers: Answer[] = [];
      for (let i = 0; i < 7; i++) {
        answers.push(await call('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone(), password: 'wrong-pass1' }, from: '127.0.0.11' }));
      }
      assert.deepEqual(answers.map((a) => a.status), [401, 401, 401, 401, 401, 429, 429]);
      assertLimited(answers[5]!);
      assert.equal(answers[5]!.body.error.code, 'RATE_LIMITED');
      const other = await call('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone(), password: 'wrong-pass1' }, from: '127.0.0.12' });
      assert.equal(other.status, 401, 'a different client is not limited by the flood');
    });

    it('when many IPs guess one account, then the account limit answers 429 even to a new IP with the right password', async () => {
      const user = await registerUser(cp);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: 'guess-pass9' }, from: `127.0.1.${i + 1}` });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401]);
      const next = await call('POST', `${cp.url}/api/auth/login`, { body: { phone: user.phone, password: user.password }, from: '127.0.1.9' });
      assertLimited(next);
      // Other accounts are unaffected.
      const other = await registerUser(cp);
      const ok = await call('POST', `${cp.url}/api/auth/login`, { body: { phone: other.phone, password: other.password }, from: '127.0.1.10' });
      assert.equal(ok.status, 200);
    });

    it('when one IP floods admin sign-in, then it gets 429 before any password is checked', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await call('POST', `${cp.url}/api/admin/auth/login`, { body: { username: `nobody${i}`, password: 'wrong-pass1' }, from: '127.0.2.1' });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
      // The right password from the flooding IP is refused too; from elsewhere it works.
      assertLimited(await call('POST', `${cp.url}/api/admin/auth/login`, { body: SUPER_ADMIN, from: '127.0.2.1' }));
      assert.equal((await call('POST', `${cp.url}/api/admin/auth/login`, { body: SUPER_ADMIN, from: '127.0.2.2' })).status, 200);
    });

    it('when one IP asks SMS codes for many phones, then after the limit it gets 429 and no code is stored for the next phone', async () => {
      const phones = Array.from({ length: 4 }, () => uniquePhone());
      const statuses: number[] = [];
      for (const phone of phones) {
        statuses.push((await call('POST', `${cp.url}/api/sms/send-code`, { body: { phone, purpose: 'register' }, from: '127.0.3.1' })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const [rows] = await cp.db.query<any[]>('SELECT COUNT(*) AS n FROM sms_verification_codes WHERE phone = ?', [phones[3]]);
      assert.equal(Number(rows[0].n), 0, 'no code generated for the refused request');
    });

    it('when one IP registers again and again, then it gets 429 before any SMS code is checked', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const body = { phone: uniquePhone(), password: 'garden2024pass', realName: '王', smsCode: '123456' };
        statuses.push((await call('POST', `${cp.url}/api/auth/register`, { body, from: '127.0.4.1' })).status);
      }
      assert.deepEqual(statuses, [400, 400, 429]);
    });
  });

  describe('password hashing', () => {
    it('when sign-ins exceed the global hashing ceiling, then the excess gets 429 with Retry-After', async () => {
      const cp = await startControlPlane('sechashceil', { PASSWORD_HASH_GLOBAL_PER_SECOND: '2' });
      try {
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            call('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone(), password: 'wrong-pass1' }, from: `127.0.5.${i + 1}` }),
          ),
        );
        const limited = answers.filter((a) => a.status === 429);
        assert.ok(limited.length >= 3, `statuses ${answers.map((a) => a.status)}`);
        for (const a of limited) assertLimited(a);
        assert.ok(answers.filter((a) => a.status === 401).length <= 4);
      } finally {
        await cp.close();
      }
    });

    it('when the hashing queue is full, then further sign-ins get 503 with Retry-After instead of waiting in a backlog', async () => {
      // Cost 12 keeps both hashing threads busy while the rest arrive; no one may wait.
      const cp = await startControlPlane('sechashq', { BCRYPT_COST: '12', PASSWORD_HASH_QUEUE_MAX: '0' });
      try {
        await call('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone(), password: 'warm-up-pass1' } });
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            call('POST', `${cp.url}/api/auth/login`, { body: { phone: uniquePhone(), password: 'wrong-pass1' }, from: `127.0.6.${i + 1}` }),
          ),
        );
        const busy = answers.filter((a) => a.status === 503);
        assert.ok(busy.length >= 1, `statuses ${answers.map((a) => a.status)}`);
        for (const a of busy) assertLimited(a, 503);
        assert.ok(answers.every((a) => a.status === 503 || a.status === 401), `statuses ${answers.map((a) => a.status)}`);
      } finally {
        await cp.close();
      }
    });
  });

  describe('client keys', () => {
    it('when IPv6 clients share a /64, then they share one counter; IPv4 and mapped IPv4 count per address', () => {
      assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
      assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
      assert.equal(clientKey('::ffff:10.0.0.7'), '10.0.0.7');
      assert.equal(clientKey('10.0.0.7'), '10.0.0.7');
      assert.equal(clientKey('::1'), '0:0:0:0::/64');
    });
  });
});
