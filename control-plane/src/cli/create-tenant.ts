import { ConfigError } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { CREATE_TENANT_USAGE, runCreateTenant } from './create-tenant.command';

/** `npm run tenant:create -- ...` (create-tenant.command.ts says what it takes). */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    process.stdout.write(CREATE_TENANT_USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const ctx = await buildContext(loadConfig());
  try {
    return await runCreateTenant(ctx, args, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await closeContext(ctx);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `tenant:create failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
