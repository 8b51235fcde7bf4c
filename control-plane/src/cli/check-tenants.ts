import { createPool, mysqlTargetFromConfig } from '@kg/shared';
import { loadConfig } from '../config';
import { checkTenantIdentifiers } from '../modules/tenants/tenant-identifiers';

/**
 * `npm run check:tenants`: reports tenant rows whose code, domain or database name breaks
 * today's identifier rules (docs/security.md, Identifiers). Exits 0 when every row conforms, 1
 * when some do not (one line per row), 2 when it cannot run.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 1 });
  try {
    const { checked, violations } = await checkTenantIdentifiers(pool, config);
    if (!violations.length) {
      console.log(`${checked} tenant row(s) checked: every code, domain and database name follows the rules`);
      return 0;
    }
    console.log(`${violations.length} of ${checked} tenant row(s) break the identifier rules:`);
    for (const v of violations) console.log(`  ${JSON.stringify(v.tenantCode)} (${v.status}): ${v.problems.join('; ')}`);
    return 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`tenant check could not run: ${(err as Error).message}`);
    process.exit(2);
  },
);
