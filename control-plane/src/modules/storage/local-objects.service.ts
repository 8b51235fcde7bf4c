import { errors, verifyDownloadSignature, type LocalStsClaims } from '@kg/shared';
import type { AppContext } from '../../context';
import { assertKeyAllowed, assertWritable } from './local-credentials';
import { storageProviders } from './storage.providers';
import { StorageErrorCode } from './storage.service';

/**
 * The objects behind the local storage endpoints (STORAGE_PROVIDER=local): every operation is
 * checked against the verified credentials' prefix and mode first (docs/control-plane.md,
 * "Providers").
 */

function localStorage(ctx: AppContext) {
  return storageProviders(ctx).storage;
}

function assertObjectKey(key: string): void {
  if (key.endsWith('/')) throw errors.badRequest('An object key cannot end with "/"', 'INVALID_OBJECT_KEY');
}

/** One page of objects under `prefix` (the credentials' allowed prefix by default). */
export async function listLocalObjects(
  ctx: AppContext,
  claims: LocalStsClaims,
  q: { prefix?: string; marker?: string; maxKeys: number },
) {
  const prefix = q.prefix ?? claims.allowedPrefix;
  // The listed prefix must itself lie inside the allowed one ("A/" + "../B/" is refused).
  if (prefix !== claims.allowedPrefix) assertKeyAllowed(claims, prefix);
  const page = await localStorage(ctx).listPage(prefix, { marker: q.marker, maxKeys: q.maxKeys });
  return {
    objects: page.objects.map((o) => ({ key: o.key, size: o.size, lastModified: o.lastModified.toISOString() })),
    nextMarker: page.nextMarker,
  };
}

/** The object a signed download URL names, once its signature and expiry check out. */
export async function readSignedDownload(
  ctx: AppContext,
  q: { key: string; expires: string; signature: string },
): Promise<Buffer> {
  const check = verifyDownloadSignature(storageProviders(ctx).signingSecret, q);
  if (!check.ok) {
    throw check.reason === 'expired'
      ? errors.forbidden('This download link has expired', StorageErrorCode.SignatureExpired)
      : errors.forbidden('This download link is not valid', StorageErrorCode.SignatureInvalid);
  }
  const body = await localStorage(ctx).getObject(q.key);
  if (!body) throw errors.notFound('No such object', StorageErrorCode.ObjectNotFound);
  return body;
}

export async function putLocalObject(
  ctx: AppContext,
  claims: LocalStsClaims,
  key: string,
  body: Buffer,
  contentType: string | undefined,
): Promise<{ key: string; size: number }> {
  assertKeyAllowed(claims, key);
  assertWritable(claims);
  assertObjectKey(key);
  await localStorage(ctx).putObject(key, body, contentType);
  return { key, size: body.length };
}

export async function getLocalObject(ctx: AppContext, claims: LocalStsClaims, key: string): Promise<Buffer> {
  assertKeyAllowed(claims, key);
  const body = key.endsWith('/') ? null : await localStorage(ctx).getObject(key);
  if (!body) throw errors.notFound('No such object', StorageErrorCode.ObjectNotFound);
  return body;
}

export async function deleteLocalObject(ctx: AppContext, claims: LocalStsClaims, key: string): Promise<{ key: string }> {
  assertKeyAllowed(claims, key);
  assertWritable(claims);
  assertObjectKey(key);
  await localStorage(ctx).deleteObject(key);
  return { key };
}
