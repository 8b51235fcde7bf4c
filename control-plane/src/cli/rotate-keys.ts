import { createPool, mysqlTargetFromConfig } from '@kg/shared';
import { loadConfig } from '../config';
import { SecretBox } from '../internal/crypto';
import { KeyStore } from '../modules/keys/key-store';

/**
 * `npm run keys:rotate`: creates a new RS256 signing key and prints its kid. Previous keys move
 * to 'retiring': they stop signing but stay in the JWKS, so tokens they signed keep verifying
 * until they expire. Running instances start signing with the new key within a minute.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 2 });
  try {
    const keys = new KeyStore(pool, new SecretBox(config.MASTER_KEY));
    await keys.init();
    const previous = keys.signingKey().kid;
    const kid = await keys.rotate();
    const verifying = keys.jwks().keys.map((k) => k.kid);
    console.log(`new signing key: ${kid}`);
    console.log(`previous signing key ${previous} now only verifies; keys in the JWKS: ${verifying.join(', ')}`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(`key rotation failed: ${(err as Error).message}`);
  process.exit(1);
});
