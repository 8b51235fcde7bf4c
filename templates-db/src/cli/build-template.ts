import { loadDotEnv, mysqlTargetFromConfig, parseEnv, mysqlEnvSchema, envx } from '@kg/shared';
import { z } from 'zod';
import { buildTemplate, listTables } from '../index';

/**
 * `npm run template:build` rebuilds the template database from scratch;
 * without `--rebuild` it only applies pending migrations (what `npm start` does).
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = parseEnv(z.object({ ...mysqlEnvSchema, TEMPLATE_DB_NAME: envx.str('kargerdensales') }));
  const rebuild = process.argv.includes('--rebuild');
  const target = mysqlTargetFromConfig(config);
  const result = await buildTemplate(target, config.TEMPLATE_DB_NAME, { rebuild });
  const tables = await listTables(target, config.TEMPLATE_DB_NAME);
  console.log(
    `template database ${config.TEMPLATE_DB_NAME}${rebuild ? ' rebuilt' : ''}: applied [${result.applied.join(', ') || 'none'}], ${tables.length} tables`,
  );
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
