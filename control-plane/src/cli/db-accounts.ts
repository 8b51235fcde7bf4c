import { ConfigError, loadDotEnv, parseEnv } from '@kg/shared';
import { dbAccountsEnvSchema, setUpServiceAccounts } from '../modules/bootstrap/service-accounts';

/**
 * `npm run db:accounts`: creates or updates the MySQL accounts of the control plane, the
 * provisioner and the tenant app with exactly their grants (docs/privileges.md, Service accounts).
 * A set-up step: signs in with MYSQL_USER; run it after `npm run migrate` (npm start and
 * `npm run setup` do). Accounts whose user setting is empty are left alone.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const settings = parseEnv(dbAccountsEnvSchema, process.env);
  const result = await setUpServiceAccounts(settings);
  if (!result.accounts.length) {
    console.log('no service accounts configured (CONTROL_PLANE_MYSQL_USER, PROVISIONER_MYSQL_USER, TENANT_APP_MYSQL_USER): every process signs in with MYSQL_USER');
  }
  for (const a of result.accounts) {
    console.log(`${a.service}: '${a.user}'@'${a.host}' has its ${a.grants} grants` + (a.revoked ? ` (${a.revoked} others revoked)` : ''));
  }
  if (result.localServerChanged) console.log('database server "local" now uses the provisioner\'s account');
  if (result.unlistedTables.length) {
    console.warn(`control tables without a privilege policy (CONTROL_TABLE_ACCESS in packages/shared/src/service-accounts.ts): ${result.unlistedTables.join(', ')}`);
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`db:accounts failed: ${(err as Error).message}`);
  process.exit(1);
});
