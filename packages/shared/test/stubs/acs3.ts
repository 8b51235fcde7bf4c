import crypto from 'node:crypto';
import type http from 'node:http';

/**
 * Server side of Alibaba Cloud's ACS3-HMAC-SHA256 request signature (the "V3" signature the
 * `@alicloud/*` SDKs send by default), as the real POP gateway checks it.
 */
function encode(s: string): string {
  return encodeURIComponent(s)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

export type Acs3Check = { ok: true; accessKeyId: string } | { ok: false; status: number; code: string; message: string };

export function verifyAcs3(req: http.IncomingMessage, body: Buffer, secrets: Record<string, string>): Acs3Check {
  const auth = req.headers.authorization ?? '';
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/.exec(auth);
  if (!m) return { ok: false, status: 400, code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
  const [, accessKeyId, signedHeaders, signature] = m;
  const secret = secrets[accessKeyId];
  if (!secret) return { ok: false, status: 404, code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
  const payloadHash = crypto.createHash('sha256').update(body).digest('hex');
  if (req.headers['x-acs-content-sha256'] !== payloadHash) {
    return { ok: false, status: 400, code: 'SignatureDoesNotMatch', message: 'The payload hash does not match.' };
  }
  const url = new URL(req.url ?? '/', 'http://stub');
  const keys = [...new Set([...url.searchParams.keys()])].sort();
  const canonicalQuery = keys.map((k) => `${encode(k)}=${encode(url.searchParams.get(k) ?? '')}`).join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim()}\n`).join('');
  const canonicalRequest = [req.method, url.pathname, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${crypto.createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const expected = crypto.createHmac('sha256', secret).update(stringToSign).digest('hex');
  if (expected !== signature) {
    return { ok: false, status: 400, code: 'SignatureDoesNotMatch', message: 'Specified signature is not matched with our calculation.' };
  }
  return { ok: true, accessKeyId };
}

/** RPC parameters: the query plus a form-encoded body, if any. */
export function rpcParams(req: http.IncomingMessage, body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(req.url ?? '/', 'http://stub').searchParams) out[k] = v;
  if (body.length && String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) out[k] = v;
  }
  return out;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json;charset=utf-8');
  res.end(JSON.stringify(body));
}
