import { ConfigError } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { ensureAllTenantDbAccounts } from '../modules/db-users/tenant-db-user.service';

/**
 * `npm run tenants:create-db-users`: gives every existing tenant database its own MySQL account
 * (docs/privileges.md, Tenant database users). Idempotent; exits 1 when any tenant failed.
 */
async function main(): Promise<void> {
  const ctx = await buildContext(loadConfig());
  try {
    const results = await ensureAllTenantDbAccounts(ctx);
    for (const r of results) {
      if (r.outcome === 'ensured') console.log(`${r.tenantCode}: account ${r.user}`);
      else if (r.outcome === 'no_database') console.log(`${r.tenantCode}: no database yet (the create pipeline makes its account)`);
      else console.error(`${r.tenantCode}: FAILED ${r.error}`);
    }
    const failed = results.filter((r) => r.outcome === 'error').length;
    console.log(`${results.length} tenants, ${results.filter((r) => r.outcome === 'ensured').length} accounts ensured, ${failed} failed`);
    if (failed) process.exitCode = 1;
  } finally {
    await closeContext(ctx);
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
