import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, isTenantCode } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { restoreTenant } from '../modules/backup/restore.service';

const USAGE = `Restore one tenant (docs/operations.md, Restore)

  npm run restore -- <tenantCode> [--from FILE]
      Restores the tenant's database from its newest backup, or from FILE (a .sql.gz of that
      tenant's database). While the tenant still serves, the current state is backed up and the
      file is loaded into a side database and every table's row count checked against it; then
      the tenant is suspended only while one RENAME TABLE swaps the restored tables in and they
      are checked again, and it is reactivated. If the command is stopped, run it again: it
      finishes the restore it had started (BACKUP_DIR/restores/<tenantCode>.json).
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [tenantCode] = positionals;
  if (values.help || !tenantCode) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (!isTenantCode(tenantCode)) {
    process.stderr.write(`"${tenantCode}" is not a tenant code\n`);
    return 2;
  }
  const ctx = await buildContext(loadConfig());
  try {
    const r = await restoreTenant(ctx, tenantCode, {
      from: values.from,
      actor: `cli:${os.userInfo().username}`,
      onStep: (m) => console.log(`${tenantCode}: ${m}`),
    });
    console.log(
      `${tenantCode}: restored ${r.databaseName} from ${r.filePath} (${r.tables} tables, ${r.rows} rows; ` +
        `checksum ${r.checksumVerified ? 'verified' : 'not recorded'}; ${r.method === 'swap' ? 'swapped in' : 'in place'}; ` +
        `suspended for ${r.downtimeMs} ms${r.resumed ? '; finished an interrupted restore' : ''})`,
    );
    if (r.safetyBackup) console.log(`${tenantCode}: the replaced state is kept in ${r.safetyBackup}`);
    return 0;
  } finally {
    await closeContext(ctx);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `restore failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
