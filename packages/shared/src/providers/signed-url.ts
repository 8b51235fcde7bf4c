import crypto from 'node:crypto';

/**
 * Signed download URLs of the local storage provider, served by the control plane at
 * `/api/storage/download?key=&expires=&signature=`. The signature is an HMAC of the key and the
 * expiry, so neither can be changed without the storage signing secret.
 */
export const LOCAL_DOWNLOAD_PATH = '/api/storage/download';

function downloadSignature(secret: string, key: string, expires: number): string {
  return crypto.createHmac('sha256', secret).update(`download\n${key}\n${expires}`).digest('base64url');
}

/** Builds a signed URL for `key` valid until `expires` (seconds since the epoch). */
export function signDownloadUrl(baseUrl: string, secret: string, key: string, expires: number): string {
  const url = new URL(LOCAL_DOWNLOAD_PATH, baseUrl);
  url.searchParams.set('key', key);
  url.searchParams.set('expires', String(expires));
  url.searchParams.set('signature', downloadSignature(secret, key, expires));
  return url.toString();
}

export type DownloadCheck = { ok: true } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks the signature first (so a tampered expiry reads as tampered), then the expiry. */
export function verifyDownloadSignature(
  secret: string,
  input: { key: string; expires: string | number; signature: string },
  now: Date = new Date(),
): DownloadCheck {
  const expires = Number(input.expires);
  if (!Number.isInteger(expires) || expires <= 0) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(downloadSignature(secret, input.key, expires));
  const given = Buffer.from(String(input.signature));
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true };
}
