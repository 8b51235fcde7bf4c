import { createPool, mysqlTargetFromConfig } from '@kg/shared';
import { loadConfig } from '../config';
import { SecretBox } from '../internal/crypto';
import { checkpointFile, checkpointPlace, readCheckpoint } from '../modules/audit/audit.checkpoint';
import { verifyAuditChain } from '../modules/audit/audit.service';

/**
 * `npm run audit:verify [-- --require-checkpoint]`: walks the audit hash chain of the control
 * database and compares it with the signed checkpoint in AUDIT_CHECKPOINT_DIR (docs/privileges.md,
 * Audit). Exits 0 when it is intact, 1 when a row was modified or removed, the head was rewound
 * behind the checkpoint, or the checkpoint does not verify (printing the first bad id), 2 when it
 * cannot run. Without a checkpoint file it warns and checks the chain alone, unless
 * --require-checkpoint is given (production), which makes a missing file a failure.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  const requireCheckpoint = process.argv.includes('--require-checkpoint');
  const secrets = new SecretBox(config.MASTER_KEY);
  const place = checkpointPlace(config, secrets);
  const read = await readCheckpoint(place);
  if (read.status === 'invalid') {
    console.error(`audit checkpoint ${checkpointFile(place)} is NOT VALID: ${read.reason}`);
    return 1;
  }
  if (read.status === 'missing') {
    const message = `no audit checkpoint at ${checkpointFile(place)}: a removed tail with a rewound head cannot be detected`;
    if (requireCheckpoint) {
      console.error(message);
      return 1;
    }
    console.warn(`warning: ${message}`);
  }
  const checkpoint = read.status === 'ok' ? read.checkpoint : undefined;
  const pool = createPool(mysqlTargetFromConfig(config), config.CONTROL_DB_NAME, { connectionLimit: 1 });
  try {
    const result = await verifyAuditChain(pool, secrets.auditKey, checkpoint);
    if (result.ok) {
      const against = checkpoint ? `, checkpoint of ${checkpoint.writtenAt} (id ${checkpoint.lastId}) matches` : '';
      console.log(`audit chain of ${config.CONTROL_DB_NAME} is intact: ${result.checked} row(s) verified${against}`);
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
