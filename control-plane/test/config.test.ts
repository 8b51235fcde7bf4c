import assert from 'node:assert/strict';
import { ConfigError } from '@kg/shared';
import { randomMasterKey } from '@kg/shared/testing';
import { loadConfig } from '../src/config';

describe('control plane config', () => {
  it('when MASTER_KEY is missing, then start-up fails naming the variable', () => {
    assert.throws(
      () => loadConfig({}),
      (err: unknown) => err instanceof ConfigError && /MASTER_KEY/.test(err.message) && /\.env\.example/.test(err.message),
    );
  });

  it('when a number setting is not a number, then the error names it', () => {
    assert.throws(
      () => loadConfig({ MASTER_KEY: randomMasterKey(), CONTROL_PLANE_PORT: 'abc' }),
      (err: unknown) => err instanceof ConfigError && /CONTROL_PLANE_PORT/.test(err.message),
    );
  });

  it('when only MASTER_KEY is given, then local defaults apply and the result is frozen', () => {
    const c = loadConfig({ MASTER_KEY: randomMasterKey() });
    assert.equal(c.CONTROL_PLANE_PORT, 4001);
    assert.equal(c.CONTROL_DB_NAME, 'admin_tenant_management');
    assert.equal(c.TEMPLATE_DB_NAME, 'kargerdensales');
    assert.equal(c.BCRYPT_COST, 12);
    assert.equal(c.AUTH_MAX_FAILED_ATTEMPTS, 5);
    assert.equal(c.AUTH_LOCKOUT_MINUTES, 15);
    assert.equal(c.ACCESS_TOKEN_TTL_SECONDS, 3600);
    assert.equal(c.REFRESH_TOKEN_TTL_SECONDS, 7 * 24 * 3600);
    assert.ok(Object.isFrozen(c));
  });
});
