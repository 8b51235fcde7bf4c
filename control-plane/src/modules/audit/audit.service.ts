import { withTransaction, type Connection, type Page, type Pool } from '@kg/shared';
import type { AuditCheckpoint } from './audit.checkpoint';
import { GENESIS_HASH, chainHash, type ActorType, type AuditRecord } from './audit.chain';
import {
  appendChainRow,
  listAuditLogs,
  lockChainHead,
  withChainSnapshot,
  type AuditLogFilter,
  type AuditLogView,
} from './audit.repository';

/** What a caller says about one audited action; the chain fields are filled in here. */
export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | number | null;
  actorName?: string | null;
  action: string;
  tenantCode?: string | null;
  targetType?: string | null;
  targetId?: string | number | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  clientRequestId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Who did it, from where and in which request (see auditActor in audit.http.ts). */
export type AuditActor = Pick<AuditEntry, 'actorType' | 'actorId' | 'actorName' | 'ip' | 'userAgent' | 'requestId' | 'clientRequestId'>;

/** Where audit rows go: the control DB and the HMAC key (an AppContext fits). */
export type AuditSink = { db: Pool; secrets: { auditKey: Buffer } } | { db: Pool; auditKey: Buffer };

function sinkKey(sink: AuditSink): Buffer {
  return 'auditKey' in sink ? sink.auditKey : sink.secrets.auditKey;
}

/** Column widths of audit_logs: values are cut to fit before hashing, so stored == hashed. */
function fit(value: string | number | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value);
  return s.length > max ? s.slice(0, max) : s;
}

function toRecord(id: number, entry: AuditEntry, createdAt: Date): AuditRecord {
  return {
    id,
    actorType: entry.actorType,
    actorId: fit(entry.actorId, 64),
    actorName: fit(entry.actorName, 100),
    action: fit(entry.action, 100)!,
    tenantCode: fit(entry.tenantCode, 50),
    targetType: fit(entry.targetType, 50),
    targetId: fit(entry.targetId, 100),
    ip: fit(entry.ip, 64),
    userAgent: fit(entry.userAgent, 500),
    requestId: fit(entry.requestId, 128),
    clientRequestId: fit(entry.clientRequestId, 128),
    before: entry.before ?? null,
    after: entry.after ?? null,
    createdAt: createdAt.toISOString(),
  };
}

/**
 * Appends one audit row on `conn`, which must be inside a transaction (the caller's, so the
 * audited change and its audit row commit together). Locks the chain head, so appends from
 * every instance are serialised; ids are dense (head.last_id + 1) and part of the hash.
 */
export async function appendAudit(conn: Connection, key: Buffer, entry: AuditEntry): Promise<number> {
  const head = await lockChainHead(conn);
  if (!head) throw new Error('audit_chain_head has no row; run the control-database migrations');
  const prevHash = head.lastHash;
  const id = head.lastId + 1;
  const createdAt = new Date();
  const record = toRecord(id, entry, createdAt);
  const hash = chainHash(key, prevHash, record);
  await appendChainRow(conn, { record, createdAt, prevHash, hash });
  return id;
}

/** Records one audited action in its own transaction. Returns the audit row id. */
export async function recordAudit(sink: AuditSink, entry: AuditEntry): Promise<number> {
  const key = sinkKey(sink);
  return withTransaction(sink.db, (conn) => appendAudit(conn, key, entry));
}

/** The audit log for the console: newest first, filtered and paged. */
export function listAuditLog(sink: { db: Pool }, filter: AuditLogFilter): Promise<Page<AuditLogView>> {
  return listAuditLogs(sink.db, filter);
}

export interface AuditVerification {
  ok: boolean;
  /** Rows whose hash was checked. */
  checked: number;
  /** The first row found tampered with (or the first missing id), when not ok. */
  firstBadId?: number;
  reason?: string;
}

const BATCH = 1000;

/**
 * Walks the whole chain in id order inside one consistent snapshot and reports the first break:
 * a row whose content no longer matches its hash (modified), a row that does not link to its
 * predecessor or an id gap (rows removed), or a head that points past the last row (tail removed).
 * With a `checkpoint` (read from outside the database), also a chain that no longer reaches the
 * checkpointed row or has another hash there: a tail removed together with the head rewound,
 * which leaves a shorter chain that is consistent in itself (TRUNCATE, DELETE without triggers).
 */
export async function verifyAuditChain(db: Pool, key: Buffer, checkpoint?: AuditCheckpoint): Promise<AuditVerification> {
  const { hashAtCheckpoint, ...result } = await walkChain(db, key, checkpoint?.lastId);
  if (!result.ok || !checkpoint) return result;
  const cp = `checkpoint of ${checkpoint.writtenAt} recorded the chain up to id ${checkpoint.lastId}`;
  if (checkpoint.lastId > result.checked) {
    return {
      ok: false,
      checked: result.checked,
      firstBadId: result.checked + 1,
      reason: `the log ends at id ${result.checked} but the ${cp}: rows ${result.checked + 1}..${checkpoint.lastId} were removed and the head rewound`,
    };
  }
  if (checkpoint.lastId > 0 && hashAtCheckpoint !== checkpoint.lastHash) {
    return {
      ok: false,
      checked: result.checked,
      firstBadId: checkpoint.lastId,
      reason: `row ${checkpoint.lastId} does not have the hash the ${cp}: the chain was rewritten from there`,
    };
  }
  return result;
}

async function walkChain(db: Pool, key: Buffer, checkpointId?: number): Promise<AuditVerification & { hashAtCheckpoint?: string }> {
  let hashAtCheckpoint: string | undefined;
  const result = await withChainSnapshot(db, async (snapshot): Promise<AuditVerification> => {
    if (!snapshot.head) return { ok: false, checked: 0, reason: 'audit_chain_head row is missing' };
    const headId = snapshot.head.lastId;
    const headHash = snapshot.head.lastHash;

    let prevId = 0;
    let prevHash = GENESIS_HASH;
    let checked = 0;
    for (;;) {
      const rows = await snapshot.rowsAfter(prevId, BATCH);
      for (const { record, prevHash: storedPrevHash, hash } of rows) {
        if (record.id !== prevId + 1) {
          const missing = record.id - prevId - 1;
          return {
            ok: false,
            checked,
            firstBadId: prevId + 1,
            reason: `${missing} row(s) missing before id ${record.id} (ids ${prevId + 1}..${record.id - 1} were removed)`,
          };
        }
        if (storedPrevHash !== prevHash) {
          return {
            ok: false,
            checked,
            firstBadId: record.id,
            reason: `row ${record.id} does not link to its predecessor (prev_hash mismatch: rows removed or rewritten)`,
          };
        }
        if (chainHash(key, prevHash, record) !== hash) {
          return { ok: false, checked, firstBadId: record.id, reason: `row ${record.id} was modified (content does not match its hash)` };
        }
        checked++;
        prevId = record.id;
        prevHash = hash;
        if (record.id === checkpointId) hashAtCheckpoint = hash;
      }
      if (rows.length < BATCH) break;
    }

    if (prevId < headId) {
      return {
        ok: false,
        checked,
        firstBadId: prevId + 1,
        reason: `chain head points at id ${headId} but the log ends at id ${prevId}: rows ${prevId + 1}..${headId} were removed`,
      };
    }
    if (prevId > headId) {
      return {
        ok: false,
        checked,
        firstBadId: headId + 1,
        reason: `rows ${headId + 1}..${prevId} were added outside the chain (the head ends at id ${headId})`,
      };
    }
    if (prevHash !== headHash) {
      return { ok: false, checked, firstBadId: headId, reason: `row ${headId} does not match the hash recorded in the chain head` };
    }
    return { ok: true, checked };
  });
  return result.ok && hashAtCheckpoint !== undefined ? { ...result, hashAtCheckpoint } : result;
}
