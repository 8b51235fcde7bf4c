import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, isTenantCode } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { moveTenant } from '../modules/move/move.service';

const USAGE = `Move a tenant's database to another server (docs/operations.md, Move a tenant)

  npm run tenant:move -- <tenantCode> --server <dbServerId>
      Suspends the tenant, copies its database to the server (dump, load, row counts checked),
      points the tenant at it, announces the change, puts the tenant back to its status and
      drops the old copy. If it is stopped part-way, run the same command again to resume.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { server: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [tenantCode] = positionals;
  if (values.help || !tenantCode || !values.server) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (!isTenantCode(tenantCode) || !/^\d+$/.test(values.server)) {
    process.stderr.write(`"${tenantCode}" is not a tenant code or "${values.server}" not a server id\n`);
    return 2;
  }
  const ctx = await buildContext(loadConfig());
  try {
    const r = await moveTenant(ctx, tenantCode, {
      toServerId: Number(values.server),
      actor: `cli:${os.userInfo().username}`,
      onStep: (m) => console.log(`${tenantCode}: ${m}`),
    });
    console.log(
      `${tenantCode}: moved ${r.databaseName} from server ${r.fromServerId} to ${r.toServerId}` +
        `${r.resumed ? ' (resumed)' : ''}; unavailable for ${r.downtimeMs} ms; the dump stays in ${r.dumpFile}`,
    );
    return 0;
  } finally {
    await closeContext(ctx);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `tenant:move failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
