import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import dotenv from 'dotenv';
import { envx, mysqlEnvSchema, parseEnv } from '@kg/shared';
import { randomMasterKey } from '@kg/shared/testing';
import { controlPlaneEnvSchema } from '../control-plane/src/config';
import { provisionerEnvSchema } from '../provisioner/src/config';
import { tenantAppEnvSchema } from '../tenant-app/src/config';
import { dbAccountsEnvSchema } from '../control-plane/src/modules/bootstrap/service-accounts';

/** Settings every process reads, documented once in .env.example (DEVELOPERS: no secrets committed). */
function documentedKeys(): Map<string, string> {
  const text = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
  const keys = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^#?\s*([A-Z][A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) keys.set(m[1]!, m[2]!);
  }
  return keys;
}

describe('.env.example', () => {
  const schemas: Record<string, z.ZodObject> = {
    'control plane': controlPlaneEnvSchema as unknown as z.ZodObject,
    provisioner: provisionerEnvSchema as unknown as z.ZodObject,
    'tenant app': tenantAppEnvSchema as unknown as z.ZodObject,
    'template builder': z.object({ ...mysqlEnvSchema, TEMPLATE_DB_NAME: envx.str('kargerdensales') }),
    'service accounts set-up': dbAccountsEnvSchema as unknown as z.ZodObject,
  };

  for (const [name, schema] of Object.entries(schemas)) {
    it(`when the ${name} reads a setting, then .env.example documents it`, () => {
      const documented = documentedKeys();
      const missing = Object.keys(schema.shape).filter((k) => !documented.has(k));
      assert.deepEqual(missing, [], `undocumented settings: ${missing.join(', ')}`);
    });
  }

  it('when .env.example is used as it is (plus the secrets npm start generates), then every process accepts it', () => {
    const env = dotenv.parse(fs.readFileSync(path.join(__dirname, '..', '.env.example')));
    env.MASTER_KEY = randomMasterKey();
    env.TENANT_DB_ROLE_PASSWORD = 'generated-by-npm-start';
    for (const [name, schema] of Object.entries(schemas)) {
      assert.doesNotThrow(() => parseEnv(schema, env), `${name} rejects .env.example`);
    }
    const cp = parseEnv(controlPlaneEnvSchema, env);
    assert.equal(cp.PHONE_PATTERN, '^1[3-9]\\d{9}$');
  });

  it('when .env.example is read, then it holds no secret values', () => {
    const documented = documentedKeys();
    for (const key of ['MASTER_KEY', 'STORAGE_SIGNING_SECRET', 'MYSQL_PASSWORD', 'ALIYUN_ACCESS_KEY_SECRET', 'BOOTSTRAP_ADMIN_PASSWORD', 'TENANT_DB_ROLE_PASSWORD', 'CONTROL_PLANE_MYSQL_PASSWORD', 'PROVISIONER_MYSQL_PASSWORD', 'TENANT_APP_MYSQL_PASSWORD']) {
      if (documented.has(key)) assert.equal(documented.get(key), '', `${key} must be empty in .env.example`);
    }
  });
});
