import crypto from 'node:crypto';

// The one seal function of every process lives in the shared library (docs/privileges.md).
export { SecretBox } from '@kg/shared';

/** SHA-256 hex of a string (refresh tokens and SMS codes are stored hashed). */
export function sha256(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/** A random URL-safe token. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}
