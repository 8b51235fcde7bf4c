/**
 * A restore in its own process, killed with SIGKILL by itself at a chosen point: the test of a
 * restore killed half way (provisioner/test/backup-restore.test.ts). Usage:
 *   node --import tsx restore-child.ts <tenantCode> <phase:NAME | step:PREFIX>
 * with the provisioner's settings in the environment.
 */
import { parseEnv } from '@kg/shared';
import { provisionerEnvSchema } from '../../src/config';
import { buildContext } from '../../src/internal/build-context';
import { restoreTenant } from '../../src/modules/backup/restore.service';

async function main(): Promise<void> {
  const [tenantCode, killAt] = process.argv.slice(2);
  const ctx = await buildContext(parseEnv(provisionerEnvSchema, process.env as Record<string, string>));
  const die = (at: string) => {
    if (at === killAt || (killAt!.startsWith('step:') && at.startsWith(killAt!))) process.kill(process.pid, 'SIGKILL');
  };
  await restoreTenant(ctx, tenantCode!, { actor: 'test-child', onPhase: (p) => die(`phase:${p}`), onStep: (s) => die(`step:${s}`) });
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
