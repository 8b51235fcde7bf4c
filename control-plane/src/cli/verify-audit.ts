import { createPool, mysqlTargetFromConfig } from '@kg/shared';
import { loadConfig } from '../config';
import { SecretBox } from '../internal/crypto';
import { verifyAuditChain } from '../modules/audit/audit.service';

/**
 * `npm run audit:verify`: walks the audit hash chain of the control database. Exits 0 when it is
 * intact, 1 when a row was modified or removed (printing the first bad id), 2 when it cannot run.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 1 });
  try {
    const result = await verifyAuditChain(pool, new SecretBox(config.MASTER_KEY).auditKey);
    if (result.ok) {
      console.log(`audit chain of ${config.CONTROL_DB_NAME} is intact: ${result.checked} row(s) verified`);
      return 0;
    }
    console.error(`audit chain of ${config.CONTROL_DB_NAME} is BROKEN at id ${result.firstBadId ?? '?'}: ${result.reason}`);
    console.error(`(${result.checked} row(s) before it verified)`);
    console.log(`first bad id: ${result.firstBadId ?? 'unknown'}`);
    return 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`audit verification could not run: ${(err as Error).message}`);
    process.exit(2);
  },
);
