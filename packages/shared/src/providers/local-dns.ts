import crypto from 'node:crypto';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DnsProvider, DnsRecord } from './types';

interface DnsRow extends RowDataPacket {
  record_id: string;
  domain_name: string;
  rr: string;
  type: 'A' | 'CNAME';
  value: string;
  ttl: number;
}

function toRecord(row: DnsRow): DnsRecord {
  return { recordId: row.record_id, rr: row.rr, domain: row.domain_name, type: row.type, value: row.value, ttl: row.ttl };
}

/**
 * DNS kept in the control database (`dns_records`), for machines without a cloud account:
 * `*.localhost` already resolves to 127.0.0.1 in browsers, so the record is bookkeeping that
 * lets the lifecycle (create, delete, restore) behave exactly as with a real DNS service.
 */
export class LocalDnsProvider implements DnsProvider {
  readonly name = 'local';

  constructor(private readonly db: Pool) {}

  async findRecord(rr: string, domain: string): Promise<DnsRecord | null> {
    const [rows] = await this.db.query<DnsRow[]>(
      'SELECT record_id, domain_name, rr, type, value, ttl FROM dns_records WHERE domain_name = ? AND rr = ? ORDER BY id LIMIT 1',
      [domain, rr],
    );
    return rows.length ? toRecord(rows[0]) : null;
  }

  async ensureRecord(input: Omit<DnsRecord, 'recordId'>): Promise<DnsRecord> {
    const recordId = `local-${crypto.randomUUID()}`;
    // The unique key (domain_name, rr, type) makes concurrent ensures converge on one row.
    await this.db.query<ResultSetHeader>(
      `INSERT INTO dns_records (record_id, domain_name, rr, type, value, ttl) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE value = VALUES(value), ttl = VALUES(ttl)`,
      [recordId, input.domain, input.rr, input.type, input.value, input.ttl],
    );
    const [rows] = await this.db.query<DnsRow[]>(
      'SELECT record_id, domain_name, rr, type, value, ttl FROM dns_records WHERE domain_name = ? AND rr = ? AND type = ?',
      [input.domain, input.rr, input.type],
    );
    if (!rows.length) throw new Error(`DNS record ${input.rr}.${input.domain} vanished while being ensured`);
    // A record of the other type for the same name would shadow this one; keep one per name.
    await this.db.query('DELETE FROM dns_records WHERE domain_name = ? AND rr = ? AND type <> ?', [
      input.domain,
      input.rr,
      input.type,
    ]);
    return toRecord(rows[0]);
  }

  async deleteRecord(recordId: string): Promise<void> {
    await this.db.query('DELETE FROM dns_records WHERE record_id = ?', [recordId]);
  }
}
