import crypto from 'node:crypto';
import type { RowDataPacket } from '@kg/shared';

/**
 * Pure parts of the audit hash chain (docs/control-plane.md, "Audit chain"): how an audit row is
 * normalised and hashed. Each row's hash is HMAC-SHA256(auditKey, prev_hash + canonical JSON of the
 * row), so a changed row, a removed row (its successor no longer links) and a removed tail (the
 * head no longer matches) are all detectable, and nobody without MASTER_KEY can re-forge the chain.
 */

export const GENESIS_HASH = '0'.repeat(64);

export type ActorType = 'admin' | 'user' | 'system';

/** The content of one audit row, exactly as it is stored and hashed. */
export interface AuditRecord {
  id: number;
  actorType: ActorType;
  actorId: string | null;
  actorName: string | null;
  action: string;
  tenantCode: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
  /** ISO 8601 with milliseconds, UTC. */
  createdAt: string;
}

/** Recursively sorts object keys so equal values always serialise to the same text. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

/**
 * Canonical JSON: keys sorted at every level, after a JSON round trip (so Dates become ISO
 * strings and undefined disappears exactly as they will once stored). null for absent values.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(value) ?? 'null')));
}

/** A JSON value as stored in a JSON column: canonical text, or null when there is nothing. */
export function jsonForColumn(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return canonicalJson(value);
}

/** Reads a JSON column back (MariaDB returns text, MySQL 8 an already parsed value). */
export function jsonFromColumn(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return JSON.parse(value);
  if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'));
  return value;
}

/** Reads an audit_logs row back as the record that was hashed (created_at is stored in UTC). */
export function recordFromRow(r: RowDataPacket): AuditRecord {
  const created = r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at) + 'Z');
  return {
    id: Number(r.id),
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    tenantCode: r.tenant_code,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip_address,
    userAgent: r.user_agent,
    requestId: r.request_id,
    before: jsonFromColumn(r.before_data),
    after: jsonFromColumn(r.after_data),
    createdAt: created.toISOString(),
  };
}

/** The chain hash of a record given its predecessor's hash. */
export function chainHash(key: Buffer, prevHash: string, record: AuditRecord): string {
  const body = canonicalJson({
    id: record.id,
    actorType: record.actorType,
    actorId: record.actorId,
    actorName: record.actorName,
    action: record.action,
    tenantCode: record.tenantCode,
    targetType: record.targetType,
    targetId: record.targetId,
    ip: record.ip,
    userAgent: record.userAgent,
    requestId: record.requestId,
    before: record.before ?? null,
    after: record.after ?? null,
    createdAt: record.createdAt,
  });
  return crypto.createHmac('sha256', key).update(prevHash).update(body).digest('hex');
}
