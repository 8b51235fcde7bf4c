import crypto, { type KeyObject } from 'node:crypto';
import { withTransaction, type Connection, type Pool } from '@kg/shared';
import type { SecretBox } from '../../internal/crypto';
import {
  hasActiveKey,
  insertActiveKey,
  listUsableKeys,
  retireActiveKeys,
  retireOldKeys,
  withKeyInitLock,
} from './key.repository';

export interface VerificationKey {
  kid: string;
  publicKey: KeyObject;
  jwk: crypto.JsonWebKey & { kid: string; alg: string; use: string };
}

interface SigningKey extends VerificationKey {
  privateKey: KeyObject;
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
      await withKeyInitLock(this.db, async (conn) => {
        if (!(await hasActiveKey(conn))) await this.insertNewKey(conn);
      });
      await this.reload();
    }
    if (!this.signing) throw new Error('No active signing key after initialisation');
  }

  /** Re-reads keys from the database. */
  async reload(): Promise<void> {
    const keys = await listUsableKeys(this.db);
    const verifying = new Map<string, VerificationKey>();
    let signing: SigningKey | undefined;
    for (const key of keys) {
      const existing = this.verifying.get(key.kid);
      const vk = existing ?? toVerificationKey(key.kid, key.publicKeyPem);
      verifying.set(key.kid, vk);
      if (!signing && key.status === 'active') {
        const privateKey =
          this.signing?.kid === key.kid
            ? this.signing.privateKey
            : crypto.createPrivateKey(this.secrets.open(key.sealedPrivateKey));
        signing = { ...vk, privateKey };
      }
    }
    this.verifying = verifying;
    this.signing = signing;
    this.loadedAt = Date.now();
  }

  /** Creates a new signing key and moves the previous active keys to 'retiring'. */
  async rotate(): Promise<string> {
    const kid = await withTransaction(this.db, async (conn) => {
      await retireActiveKeys(conn);
      return this.insertNewKey(conn);
    });
    await this.reload();
    return kid;
  }

  /** Retires keys that stopped signing more than `olderThanSeconds` ago (tokens signed by them have expired). */
  async retireOld(olderThanSeconds: number): Promise<number> {
    const retired = await retireOldKeys(this.db, olderThanSeconds);
    await this.reload();
    return retired;
  }

  signingKey(): SigningKey {
    if (!this.signing) throw new Error('KeyStore not initialised');
    if (Date.now() - this.loadedAt > REFRESH_INTERVAL_MS) void this.reload().catch(() => undefined);
    return this.signing;
  }

  /** The verification key of `kid` as loaded now, without reading the database. */
  loadedKey(kid: string): VerificationKey | undefined {
    return this.verifying.get(kid);
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

  private async insertNewKey(conn: Connection): Promise<string> {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const kid = `${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(6).toString('hex')}`;
    await insertActiveKey(conn, { kid, publicKeyPem: publicPem, sealedPrivateKey: this.secrets.seal(privatePem) });
    return kid;
  }
}

function toVerificationKey(kid: string, pem: string): VerificationKey {
  const publicKey = crypto.createPublicKey(pem);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  return { kid, publicKey, jwk };
}
