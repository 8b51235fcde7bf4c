import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger, Pool } from '@kg/shared';
import { findChainHash, readChainHead, type ChainHead } from './audit.repository';

/**
 * The audit chain head, signed and written outside the database (docs/privileges.md, Audit). The
 * chain itself lives in the control database, so whoever can run TRUNCATE (or DELETE with the
 * triggers dropped) there can also move the head back and leave a shorter chain that verifies.
 * The checkpoint is what they cannot reach: a file on the control plane's host, HMAC-signed with
 * a key derived from MASTER_KEY, that records how far the chain had got and with which hash.
 */
export interface AuditCheckpoint {
  v: 1;
  /** The control database the checkpoint belongs to (CONTROL_DB_NAME). */
  database: string;
  lastId: number;
  lastHash: string;
  writtenAt: string;
}

export type CheckpointRead =
  | { status: 'missing' }
  | { status: 'invalid'; reason: string }
  | { status: 'ok'; checkpoint: AuditCheckpoint };

export interface CheckpointPlace {
  dir: string;
  database: string;
  key: Buffer;
}

/** Where this deployment's checkpoint lives and how it is signed. */
export function checkpointPlace(
  config: { AUDIT_CHECKPOINT_DIR: string; CONTROL_DB_NAME: string },
  secrets: { auditCheckpointKey: Buffer },
): CheckpointPlace {
  return { dir: config.AUDIT_CHECKPOINT_DIR, database: config.CONTROL_DB_NAME, key: secrets.auditCheckpointKey };
}

export function checkpointFile(place: Pick<CheckpointPlace, 'dir' | 'database'>): string {
  return path.resolve(place.dir, `${place.database}.checkpoint.json`);
}

function body(c: AuditCheckpoint): string {
  return JSON.stringify({ v: c.v, database: c.database, lastId: c.lastId, lastHash: c.lastHash, writtenAt: c.writtenAt });
}

function sign(key: Buffer, c: AuditCheckpoint): string {
  return crypto.createHmac('sha256', key).update(`kg-audit-checkpoint\n${body(c)}`).digest('hex');
}

/** Reads and checks the checkpoint: its signature, its database and its fields. */
export async function readCheckpoint(place: CheckpointPlace): Promise<CheckpointRead> {
  let text: string;
  try {
    text = await fs.readFile(checkpointFile(place), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw err;
  }
  let parsed: AuditCheckpoint & { sig?: unknown };
  try {
    parsed = JSON.parse(text) as AuditCheckpoint & { sig?: unknown };
  } catch {
    return { status: 'invalid', reason: 'the checkpoint file is not JSON' };
  }
  const { sig, ...c } = parsed;
  if (c.v !== 1 || !Number.isSafeInteger(c.lastId) || c.lastId < 0 || typeof c.lastHash !== 'string' || typeof c.writtenAt !== 'string') {
    return { status: 'invalid', reason: 'the checkpoint file lacks its fields' };
  }
  const expected = Buffer.from(sign(place.key, c));
  const given = Buffer.from(typeof sig === 'string' ? sig : '');
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    return { status: 'invalid', reason: 'the checkpoint signature does not verify (edited, or signed with another MASTER_KEY)' };
  }
  if (c.database !== place.database) return { status: 'invalid', reason: `the checkpoint belongs to database ${c.database}` };
  return { status: 'ok', checkpoint: c };
}

/** Writes the checkpoint atomically (temporary file, then rename), readable by its owner only. */
async function writeFile(place: CheckpointPlace, c: AuditCheckpoint): Promise<void> {
  await fs.mkdir(place.dir, { recursive: true, mode: 0o700 });
  const file = checkpointFile(place);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify({ ...c, sig: sign(place.key, c) })}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

export type CheckpointOutcome =
  | { written: true; head: ChainHead }
  | {
      written: false;
      reason: 'no_head' | 'not_newer' | 'head_behind_checkpoint' | 'checkpoint_row_changed';
      head: ChainHead | null;
      checkpoint?: AuditCheckpoint;
    };

/**
 * Writes the current chain head as the checkpoint, unless the file already records a later
 * point (another instance got there first), the head has moved *behind* the recorded point, or
 * the recorded row is gone or has another hash: then rows were removed and the head rewound (and
 * perhaps the chain grown again since), and the evidence is kept, not overwritten.
 */
export async function writeCheckpoint(db: Pool, place: CheckpointPlace): Promise<CheckpointOutcome> {
  const head = await readChainHead(db);
  if (!head) return { written: false, reason: 'no_head', head };
  const current = await readCheckpoint(place);
  if (current.status === 'ok') {
    const c = current.checkpoint;
    if (c.lastId > head.lastId) return { written: false, reason: 'head_behind_checkpoint', head, checkpoint: c };
    if (c.lastId === head.lastId && c.lastHash === head.lastHash) return { written: false, reason: 'not_newer', head, checkpoint: c };
    if (c.lastId > 0 && (await findChainHash(db, c.lastId)) !== c.lastHash) {
      return { written: false, reason: 'checkpoint_row_changed', head, checkpoint: c };
    }
  }
  await writeFile(place, { v: 1, database: place.database, lastId: head.lastId, lastHash: head.lastHash, writtenAt: new Date().toISOString() });
  return { written: true, head };
}

/**
 * Writes the checkpoint at start, every `intervalMs` and once more on stop (shutdown). A chain
 * that no longer contains the checkpoint is logged as an error on every attempt.
 */
export class AuditCheckpointer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly db: Pool,
    private readonly place: CheckpointPlace,
    private readonly logger: Logger,
  ) {}

  async start(intervalMs: number): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.tick();
  }

  private tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = writeCheckpoint(this.db, this.place)
      .then((outcome) => {
        if (!outcome.written && (outcome.reason === 'head_behind_checkpoint' || outcome.reason === 'checkpoint_row_changed')) {
          this.logger.error(
            { reason: outcome.reason, checkpointId: outcome.checkpoint?.lastId, headId: outcome.head?.lastId, file: checkpointFile(this.place) },
            'audit chain no longer contains its checkpoint: rows were removed and the head rewound; run npm run audit:verify',
          );
        }
      })
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'audit checkpoint not written'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
