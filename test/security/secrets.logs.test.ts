import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LocalStorageProvider, storageSigningSecret } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { uniquePhone } from '../../control-plane/test/helpers/auth-fixtures';
import { startControlPlane, type TestControlPlane } from '../../control-plane/test/helpers/harness';
import { insertAdmin, insertTenant } from '../../control-plane/test/helpers/operator-fixtures';
import { ConsoleSmsProvider } from '../../control-plane/src/modules/sms/sms.provider';

/*
 * Findings 8 and 10 of issue #9: SMS codes in info logs and in every operator's inbox, the one-time
 * admin password to whichever operator polled first, token-library text in answers, /metrics
 * public, a 0755 storage folder and a signing secret derived from the repository path and host.
 */

function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

describe('security: secrets stay out of logs and answers (issue #9 findings 8, 10)', () => {
  describe('SMS codes', () => {
    let cp: TestControlPlane;
    before(async () => {
      cp = await startControlPlane('secsms');
    });
    after(async () => {
      await cp?.close();
    });

    it('when the console provider sends a code outside development, then no log line holds it; in development the log does', async () => {
      const message = { phone: uniquePhone(), purpose: 'register', code: '482913', expiresAt: new Date(Date.now() + 60_000) };
      for (const env of ['test', 'production'] as const) {
        const { logger, lines } = capturingLogger();
        await new ConsoleSmsProvider(cp.ctx.redis, logger, cp.config.REDIS_KEY_PREFIX, env).sendCode(message);
        assert.ok(!lines.join('').includes('482913'), `${env} logs the code: ${lines.join('')}`);
      }
      const { logger, lines } = capturingLogger();
      await new ConsoleSmsProvider(cp.ctx.redis, logger, cp.config.REDIS_KEY_PREFIX, 'development').sendCode(message);
      assert.ok(lines.join('').includes('482913'), 'development keeps the console provider useful');
    });

    it('when the dev inbox is read without a phone, then 400: no operator lists every phone\'s codes', async () => {
      const res = await http('GET', `${cp.url}/api/sms/dev-inbox`, { token: await cp.superAdminToken() });
      assert.equal(res.status, 400);
    });

    it('when the control plane runs in production, then the dev inbox does not exist and no code is kept for it', async () => {
      const prod = await startControlPlane('secsmsprod', { NODE_ENV: 'production', STORAGE_SIGNING_SECRET: 'x'.repeat(32) });
      try {
        const phone = uniquePhone();
        const sent = await http('POST', `${prod.url}/api/sms/send-code`, { body: { phone, purpose: 'register' } });
        assert.equal(sent.status, 200);
        const inbox = await http('GET', `${prod.url}/api/sms/dev-inbox?phone=${phone}`, { token: await prod.superAdminToken() });
        assert.equal(inbox.status, 404);
        assert.equal(await prod.ctx.redis.exists(`${prod.config.REDIS_KEY_PREFIX}sms:inbox:${phone}`), 0);
        assert.equal(await prod.ctx.redis.exists(`${prod.config.REDIS_KEY_PREFIX}sms:inbox`), 0);
      } finally {
        await prod.close();
      }
    });
  });

  describe('the one-time admin password', () => {
    let cp: TestControlPlane;
    before(async () => {
      cp = await startControlPlane('secotp');
    });
    after(async () => {
      await cp?.close();
    });

    /** A tenant whose pipeline created its admin: the sealed password waits in the create_admin step. */
    async function provisionedTenant(code: string, createdBy: number, phone: string) {
      await insertTenant(cp, { code, contactPhone: phone });
      await cp.db.query('UPDATE tenants SET created_by = ? WHERE tenant_id = ?', [createdBy, code]);
      const details = { sealedPassword: cp.ctx.secrets.seal('One-time-pass-123'), createdUser: true, phone };
      await cp.db.query(
        `INSERT INTO tenant_init_steps (tenant_id, step_name, step_order, status, details) VALUES (?, 'create_admin', 4, 'completed', ?)`,
        [code, JSON.stringify(details)],
      );
    }
    const tokenOf = (a: { id: number; username: string; role: 'operator' | 'admin' | 'super_admin' }) =>
      cp.ctx.tokens.signAdmin({ id: a.id, username: a.username, role: a.role }).token;
    const progress = (code: string, token: string) => http('GET', `${cp.url}/api/tenants/${code}/progress`, { token });

    it('when another operator polls progress first, then they get no password and the creator still gets it, once', async () => {
      const creator = await insertAdmin(cp, 'operator');
      const other = await insertAdmin(cp, 'admin');
      const phone = uniquePhone();
      await provisionedTenant('k7301', creator.id, phone);
      const snoop = await progress('k7301', tokenOf(other));
      assert.equal(snoop.status, 200);
      assert.equal(snoop.body.data.adminCredentials, undefined);
      const mine = await progress('k7301', tokenOf(creator));
      assert.deepEqual(mine.body.data.adminCredentials, { phone, oneTimePassword: 'One-time-pass-123', mustChangePassword: true });
      assert.equal((await progress('k7301', tokenOf(creator))).body.data.adminCredentials, undefined, 'shown once');
    });

    it('when a super admin polls, then they may take the password in the creator\'s stead', async () => {
      const creator = await insertAdmin(cp, 'operator');
      const root = await insertAdmin(cp, 'super_admin');
      await provisionedTenant('k7302', creator.id, uniquePhone());
      const res = await progress('k7302', tokenOf(root));
      assert.equal(res.body.data.adminCredentials.oneTimePassword, 'One-time-pass-123');
      assert.equal((await progress('k7302', tokenOf(creator))).body.data.adminCredentials, undefined);
    });
  });

  describe('answers and endpoints', () => {
    it('when a forged or mangled token is presented, then the 401 carries no token-library text', async () => {
      const cp = await startControlPlane('secjwt');
      try {
        const good = cp.ctx.tokens.signAdmin({ id: 1, username: 'x', role: 'operator' }).token;
        const [h, p, s] = good.split('.');
        const tampered = [h, p, s!.slice(0, -4) + (s!.endsWith('AAAA') ? 'BBBB' : 'AAAA')].join('.');
        for (const token of [tampered, `${h}.${p}.`, `${h}.bm90IGpzb24.${s}`]) {
          const res = await http('GET', `${cp.url}/api/admin/auth/me`, { token });
          assert.equal(res.status, 401);
          assert.doesNotMatch(JSON.stringify(res.body), /jwt|invalid signature|invalid algorithm|unexpected token|not valid JSON/i);
        }
      } finally {
        await cp.close();
      }
    });

    it('when /metrics is asked in production, then it is not served without METRICS_TOKEN and needs that token when set', async () => {
      const closed = await startControlPlane('secmet1', { NODE_ENV: 'production', STORAGE_SIGNING_SECRET: 'x'.repeat(32) });
      try {
        assert.equal((await http('GET', `${closed.url}/metrics`)).status, 404);
      } finally {
        await closed.close();
      }
      const token = 'metrics-token-0123456789';
      const guarded = await startControlPlane('secmet2', { NODE_ENV: 'production', STORAGE_SIGNING_SECRET: 'x'.repeat(32), METRICS_TOKEN: token });
      try {
        assert.equal((await http('GET', `${guarded.url}/metrics`)).status, 401);
        assert.equal((await http('GET', `${guarded.url}/metrics`, { token: 'metrics-token-wrong-6789' })).status, 401);
        const ok = await http('GET', `${guarded.url}/metrics`, { token });
        assert.equal(ok.status, 200);
        assert.match(String(ok.body), /http_request_duration_seconds/);
      } finally {
        await guarded.close();
      }
    });

    it('when local storage writes its first object, then its folder is owner-only (0700) and the file 0600', async () => {
      const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kg-sec-')), 'storage');
      const storage = new LocalStorageProvider({ root, publicBaseUrl: 'http://localhost', signingSecret: 'x'.repeat(32) });
      await storage.putObject('13800000000/uploads/files/a.txt', Buffer.from('hello'));
      assert.equal(fs.statSync(root).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(root, '13800000000')).mode & 0o777, 0o700);
      assert.equal(fs.statSync(path.join(root, '13800000000/uploads/files/a.txt')).mode & 0o777, 0o600);
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
    });

    it('when no signing secret is set in development, then one is generated at random and persisted (0600), never derived', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-sec-'));
      const fileA = path.join(dir, 'a', 'secret');
      const fileB = path.join(dir, 'b', 'secret');
      const first = storageSigningSecret({ NODE_ENV: 'development', STORAGE_SIGNING_SECRET: undefined }, fileA);
      assert.ok(first.length >= 32);
      assert.equal(storageSigningSecret({ NODE_ENV: 'test', STORAGE_SIGNING_SECRET: undefined }, fileA), first, 'stable: read back');
      assert.equal(fs.statSync(fileA).mode & 0o777, 0o600);
      // Same checkout, same host, another install: a different secret (nothing is derived).
      assert.notEqual(storageSigningSecret({ NODE_ENV: 'development', STORAGE_SIGNING_SECRET: undefined }, fileB), first);
      assert.throws(() => storageSigningSecret({ NODE_ENV: 'production', STORAGE_SIGNING_SECRET: undefined }, fileA), /STORAGE_SIGNING_SECRET/);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
