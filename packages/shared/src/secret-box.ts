import crypto from 'node:crypto';
import { z } from 'zod';

/** MASTER_KEY as every process validates it: 32 random bytes, base64. */
export const masterKeyEnv = z
  .string({ message: 'is required: 32 random bytes, base64 (openssl rand -base64 32)' })
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64 (openssl rand -base64 32)');

/**
 * Secrets at rest (signing keys, provider API keys, tenant database passwords) are sealed with
 * AES-256-GCM under a key derived from MASTER_KEY; every process that seals or opens one uses
 * this class (docs/privileges.md, Tenant database users). Format: v1.<iv>.<tag>.<ciphertext>,
 * base64url parts.
 */
export class SecretBox {
  private readonly encKey: Buffer;
  readonly auditKey: Buffer;
  /** Signs the audit chain checkpoints kept outside the database (docs/privileges.md, Audit). */
  readonly auditCheckpointKey: Buffer;

  constructor(masterKeyBase64: string) {
    const master = Buffer.from(masterKeyBase64, 'base64');
    if (master.length !== 32) throw new Error('MASTER_KEY must be 32 bytes (base64)');
    this.encKey = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'kg:secret-box:v1', 32));
    this.auditKey = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'kg:audit-chain:v1', 32));
    this.auditCheckpointKey = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'kg:audit-checkpoint:v1', 32));
  }

  seal(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('Unrecognised sealed secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}
