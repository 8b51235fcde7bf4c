import crypto from 'node:crypto';
import type http from 'node:http';
import { policyAllows } from './ram-policy';
import { requestId, startStub, type StubServer } from './server';
import type { IssuedSession } from './sts-stub';

interface StubObject {
  body: Buffer;
  contentType: string;
  lastModified: Date;
  etag: string;
}

export interface OssStub extends StubServer {
  bucket: string;
  objects: Map<string, StubObject>;
  /** Every accepted request: method, key (or '' for the bucket) and query. */
  calls: Array<{ method: string; key: string; query: Record<string, string> }>;
}

/** OSS sub-resources: the query parameters that are part of the V1 canonical resource. */
const SUB_RESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName',
  'replication', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime', 'endTime',
  'symlink', 'x-oss-process', 'response-content-type', 'response-content-language', 'response-expires',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'restore',
  'callback', 'callback-var', 'policy', 'stat', 'encryption', 'versions', 'versioning', 'versionId',
  'x-oss-traffic-limit',
]);

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

function canonicalString(
  method: string,
  headers: http.IncomingHttpHeaders,
  dateOrExpires: string,
  resource: string,
  query: URLSearchParams,
): string {
  const ossHeaders = Object.keys(headers)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${String(headers[k]).trim()}`);
  const sub = [...new Set(query.keys())].filter((k) => SUB_RESOURCES.has(k)).sort();
  const subres = sub.map((k) => (query.get(k) ? `${k}=${query.get(k)}` : k)).join('&');
  return [
    method,
    String(headers['content-md5'] ?? ''),
    String(headers['content-type'] ?? ''),
    dateOrExpires,
    ...ossHeaders,
    resource + (subres ? `?${subres}` : ''),
  ].join('\n');
}

/**
 * A local OSS bucket speaking the REST XML protocol of the real service for the calls the adapter
 * makes: PutObject, GetObject, DeleteObject, ListObjects (marker paging), DeleteMultipleObjects,
 * and presigned GET URLs. Requests must carry a valid V1 signature (header or URL), as on OSS;
 * STS credentials are accepted with their security token and held to their session policy.
 * The endpoint is addressed as a bucket-bound domain (ali-oss `cname: true`).
 */
export async function startOssStub(
  bucket: string,
  secrets: Record<string, string>,
  /** STS sessions (from the STS stub) accepted with their security token, their policy enforced. */
  sessions: Map<string, IssuedSession> = new Map(),
): Promise<OssStub> {
  const objects = new Map<string, StubObject>();
  const calls: OssStub['calls'] = [];

  const authenticate = (
    accessKeyId: string,
    securityToken: string,
  ): { secret: string; session?: IssuedSession } | { error: string; message: string } => {
    if (secrets[accessKeyId]) return { secret: secrets[accessKeyId] };
    const session = sessions.get(accessKeyId);
    if (!session) return { error: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.' };
    if (securityToken !== session.securityToken) return { error: 'InvalidSecurityToken', message: 'The security token you provided is invalid.' };
    if (session.expiration.getTime() <= Date.now()) return { error: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
    return { secret: session.accessKeySecret, session };
  };
  const xml = (res: http.ServerResponse, status: number, body: string) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/xml');
    res.setHeader('x-oss-request-id', requestId());
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) =>
    xml(
      res,
      status,
      `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId()}</RequestId><HostId>${bucket}.oss-stub</HostId></Error>`,
    );

  const server = await startStub((req, body, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const method = req.method ?? 'GET';
    const key = decodeURIComponent(url.pathname.slice(1));
    const resource = `/${bucket}/${key}`;

    // Authentication: Authorization header, or a presigned URL.
    let session: IssuedSession | undefined;
    const authorization = req.headers.authorization;
    if (authorization) {
      const m = /^OSS ([^:]+):(.+)$/.exec(authorization);
      if (!m) return fail(res, 400, 'InvalidArgument', 'Authorization header is invalid.');
      const auth = authenticate(m[1], String(req.headers['x-oss-security-token'] ?? ''));
      if ('error' in auth) return fail(res, 403, auth.error, auth.message);
      session = auth.session;
      const secret = auth.secret;
      const date = String(req.headers['x-oss-date'] ?? req.headers.date ?? '');
      if (!date) return fail(res, 403, 'AccessDenied', 'Date header is required.');
      const expected = crypto.createHmac('sha1', secret).update(canonicalString(method, req.headers, date, resource, url.searchParams)).digest('base64');
      if (expected !== m[2]) return fail(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    } else if (url.searchParams.has('Signature')) {
      const akid = url.searchParams.get('OSSAccessKeyId') ?? '';
      const auth = authenticate(akid, url.searchParams.get('security-token') ?? '');
      if ('error' in auth) return fail(res, 403, auth.error, auth.message);
      session = auth.session;
      const secret = auth.secret;
      const expires = url.searchParams.get('Expires') ?? '';
      const expected = crypto.createHmac('sha1', secret).update(canonicalString(method, req.headers, expires, resource, url.searchParams)).digest('base64');
      if (expected !== url.searchParams.get('Signature')) {
        return fail(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      }
      if (Number(expires) * 1000 <= Date.now()) return fail(res, 403, 'AccessDenied', 'Request has expired.');
    } else {
      return fail(res, 403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
    }

    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    calls.push({ method, key, query });

    // Authorisation of STS sessions: the session policy, per action and resource, as on OSS.
    if (session) {
      const denied = () => fail(res, 403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
      const objectArn = (k: string) => `acs:oss:cn-hangzhou:1234567890:${bucket}/${k}`;
      if (key === '' && method === 'GET') {
        if (!policyAllows(session.policy, 'oss:ListObjects', `acs:oss:cn-hangzhou:1234567890:${bucket}`, { 'oss:Prefix': query.prefix ?? '' })) {
          return denied();
        }
      } else if (key === '' && method === 'POST') {
        const keys = [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
        if (!keys.every((k) => policyAllows(session!.policy, 'oss:DeleteObject', objectArn(k)))) return denied();
      } else {
        const action = method === 'PUT' ? 'oss:PutObject' : method === 'DELETE' ? 'oss:DeleteObject' : 'oss:GetObject';
        if (!policyAllows(session.policy, action, objectArn(key))) return denied();
      }
    }

    if (key === '') {
      if (method === 'GET') {
        const prefix = query.prefix ?? '';
        const marker = query.marker ?? '';
        const maxKeys = Math.min(Number(query['max-keys'] ?? 100), 1000);
        const all = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > marker).sort();
        const page = all.slice(0, maxKeys);
        const truncated = all.length > maxKeys;
        const contents = page
          .map((k) => {
            const o = objects.get(k)!;
            return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>"${o.etag}"</ETag><Type>Normal</Type><Size>${o.body.length}</Size><StorageClass>Standard</StorageClass><Owner><ID>1234567890</ID><DisplayName>1234567890</DisplayName></Owner></Contents>`;
          })
          .join('');
        return xml(
          res,
          200,
          `<ListBucketResult><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><Marker>${xmlEscape(marker)}</Marker><MaxKeys>${maxKeys}</MaxKeys><Delimiter></Delimiter><IsTruncated>${truncated}</IsTruncated>${
            truncated ? `<NextMarker>${xmlEscape(page[page.length - 1])}</NextMarker>` : ''
          }${contents}</ListBucketResult>`,
        );
      }
      if (method === 'POST' && url.searchParams.has('delete')) {
        const text = body.toString('utf8');
        const md5 = crypto.createHash('md5').update(body).digest('base64');
        if (req.headers['content-md5'] !== md5) return fail(res, 400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
        const keys = [...text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
        for (const k of keys) objects.delete(k);
        const quiet = /<Quiet>true<\/Quiet>/.test(text);
        return xml(
          res,
          200,
          `<DeleteResult>${quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
        );
      }
      return fail(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }

    switch (method) {
      case 'PUT': {
        const etag = crypto.createHash('md5').update(body).digest('hex').toUpperCase();
        objects.set(key, {
          body,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          lastModified: new Date(),
          etag,
        });
        res.setHeader('ETag', `"${etag}"`);
        res.setHeader('x-oss-request-id', requestId());
        res.statusCode = 200;
        return void res.end();
      }
      case 'GET':
      case 'HEAD': {
        const o = objects.get(key);
        if (!o) return fail(res, 404, 'NoSuchKey', 'The specified key does not exist.');
        res.statusCode = 200;
        res.setHeader('content-type', o.contentType);
        res.setHeader('content-length', String(o.body.length));
        res.setHeader('ETag', `"${o.etag}"`);
        res.setHeader('Last-Modified', o.lastModified.toUTCString());
        res.setHeader('x-oss-request-id', requestId());
        return void res.end(method === 'HEAD' ? undefined : o.body);
      }
      case 'DELETE':
        objects.delete(key);
        res.statusCode = 204;
        res.setHeader('x-oss-request-id', requestId());
        return void res.end();
      default:
        return fail(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  }, '::');
  return Object.assign(server, { bucket, objects, calls });
}
