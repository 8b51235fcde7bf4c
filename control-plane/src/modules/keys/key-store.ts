import crypto, { type KeyObject } from 'node:crypto';
import type { Pool, RowDataPacket } from '@kg/shared';
import type { SecretBox } from '../../internal/crypto';

export interface VerificationKey {
  kid: string;
  publicKey: KeyObject;
  jwk: crypto.JsonWebKey & { kid: string; alg: string; use: string };
}

interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
}

interface KeyRow extends RowDataPacket {
  kid: string;
  public_key_pem: string;
  private_key_enc: string;
  status: 'active' | 'retiring' | 'retired';
}

const REFRESH_INTERVAL_MS = 60_000;

/**
 * RS256 keys shared by every control-plane instance through the control DB. The newest active
 * key signs; active and retiring keys verify and are published in the JWKS. KeyObjects are
 * parsed once and cached (verifying with a KeyObject is ~20x cheaper than with a PEM string).
 */
export class KeyStore {
  private signing?: SigningKey;
  private verifying = new Map<string, VerificationKey>();
  private loadedAt = 0;

  constructor(
    private readonly db: Pool,
    private readonly secrets: SecretBox,
  ) {}

  /** Loads keys, creating the first one when none is active (safe with concurrent starters). */
  async init(): Promise<void> {
    await this.reload();
    if (!this.signing) {
      const conn = await this.db.getConnection();
      try {
        await conn.query("SELECT GET_LOCK('kg:signing-key-init', 30)");
        const [rows] = await conn.query<KeyRow[]>("SELECT kid FROM signing_keys WHERE status = 'active' LIMIT 1");
        if (rows.length === 0) await this.insertNewKey(conn);
      } finally {
        await conn.query("SELECT RELEASE_LOCK('kg:signing-key-init')").catch(() => undefined);
        conn.release();
      }
      await this.reload();
    }
    if (!this.signing) throw new Error('No active signing key after initialisation');
  }

  /** Re-reads keys from the database. */
  async reload(): Promise<void> {
    const [rows] = await this.db.query<KeyRow[]>(
      "SELECT kid, public_key_pem, private_key_enc, status FROM signing_keys WHERE status IN ('active','retiring') ORDER BY created_at DESC, kid DESC",
    );
    const verifying = new Map<string, VerificationKey>();
    let signing: SigningKey | undefined;
    for (const row of rows) {
      const existing = this.verifying.get(row.kid);
      const vk = existing ?? toVerificationKey(row.kid, row.public_key_pem);
      verifying.set(row.kid, vk);
      if (!signing && row.status === 'active') {
        const privateKey =
          this.signing?.kid === row.kid
            ? this.signing.privateKey
            : crypto.createPrivateKey(this.secrets.open(row.private_key_enc));
        signing = { ...vk, privateKey };
      }
    }
    this.verifying = verifying;
    this.signing = signing;
    this.loadedAt = Date.now();
  }

  /** Creates a new signing key and moves the previous active keys to 'retiring'. */
  async rotate(): Promise<string> {
    const conn = await this.db.getConnection();
    try {
      await conn.beginTransaction();
      await conn.query("UPDATE signing_keys SET status = 'retiring' WHERE status = 'active'");
      const kid = await this.insertNewKey(conn);
      await conn.commit();
      await this.reload();
      return kid;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /** Retires keys that stopped signing more than `olderThanSeconds` ago (tokens signed by them have expired). */
  async retireOld(olderThanSeconds: number): Promise<number> {
    const [res] = await this.db.query<import('@kg/shared').ResultSetHeader>(
      "UPDATE signing_keys SET status = 'retired', retired_at = CURRENT_TIMESTAMP(3) WHERE status = 'retiring' AND kid NOT IN (SELECT kid FROM (SELECT kid FROM signing_keys WHERE status='active') a) AND created_at < (NOW(3) - INTERVAL ? SECOND)",
      [olderThanSeconds],
    );
    await this.reload();
    return res.affectedRows;
  }

  signingKey(): SigningKey {
    if (!this.signing) throw new Error('KeyStore not initialised');
    if (Date.now() - this.loadedAt > REFRESH_INTERVAL_MS) void this.reload().catch(() => undefined);
    return this.signing;
  }

  /** The verification key for `kid`; reloads once from the database for an unknown kid. */
  async verificationKey(kid: string): Promise<VerificationKey | undefined> {
    const known = this.verifying.get(kid);
    if (known) return known;
    if (Date.now() - this.loadedAt > 1000) {
      await this.reload();
      return this.verifying.get(kid);
    }
    return undefined;
  }

  jwks(): { keys: VerificationKey['jwk'][] } {
    return { keys: [...this.verifying.values()].map((k) => k.jwk) };
  }

  private async insertNewKey(conn: import('@kg/shared').PoolConnection): Promise<string> {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const kid = `${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(6).toString('hex')}`;
    await conn.query(
      "INSERT INTO signing_keys (kid, algorithm, public_key_pem, private_key_enc, status) VALUES (?, 'RS256', ?, ?, 'active')",
      [kid, publicPem, this.secrets.seal(privatePem)],
    );
    return kid;
  }
}

function toVerificationKey(kid: string, pem: string): VerificationKey {
  const publicKey = crypto.createPublicKey(pem);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, publicKey, jwk };
}
