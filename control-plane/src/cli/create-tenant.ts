import { ConfigError } from '@kg/shared';
import { loadConfig } from '../config';
import { buildContext, closeContext } from '../internal/build-context';
import { runCreateTenant } from './create-tenant.command';

/** `npm run tenant:create -- ...` (create-tenant.command.ts says what it takes). */
async function main(): Promise<number> {
  const ctx = await buildContext(loadConfig());
  try {
    return await runCreateTenant(ctx, process.argv.slice(2), {
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
