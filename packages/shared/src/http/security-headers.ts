import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The response headers of a JSON API, after the OWASP REST Security Cheat Sheet: nothing may be
 * framed, sniffed, loaded as a sub-resource by another origin or stored by a cache, and browsers
 * keep to HTTPS. helmet's defaults add another six headers that only mean something for HTML
 * documents (Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, ...) and that
 * Node validates and serializes on every response, so the API sends only these. An HTML front
 * end served by this process would need helmet's document defaults on its own routes.
 */
export const API_SECURITY_HEADERS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xFrameOptions: { action: 'deny' },
};

/** API responses carry personal data: never stored by a browser or proxy cache. */
const API_EXTRA_HEADERS: Array<[string, string]> = [['Cache-Control', 'no-store']];

/**
 * helmet's headers (API_SECURITY_HEADERS unless told otherwise), set by one middleware. helmet
 * only sets fixed headers (and removes X-Powered-By), yet it runs as a chain of a dozen
 * middlewares on every request. Here helmet runs once at start-up against a recording response; each request then gets
 * exactly the headers it recorded. If a helmet version ever answers differently (asynchronously,
 * with an error, or by touching anything but setHeader/removeHeader), start-up fails instead of
 * silently dropping a header.
 */
export function securityHeaders(options: Parameters<typeof helmet>[0] = API_SECURITY_HEADERS, extra = API_EXTRA_HEADERS): RequestHandler {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = new Proxy(
    {
      setHeader(name: string, value: unknown) {
        if (typeof value !== 'string') throw new Error(`helmet set ${name} to a non-string value`);
        set.push([name, value]);
      },
      removeHeader(name: string) {
        removed.push(name);
      },
    },
    {
      get(target, prop) {
        if (prop in target) return target[prop as keyof typeof target];
        throw new Error(`helmet read res.${String(prop)}: its headers are not static`);
      },
    },
  );
  const request = new Proxy({} as Request, {
    get(_t, prop) {
      throw new Error(`helmet read req.${String(prop)}: its headers are not static`);
    },
  });
  let done = false;
  helmet(options)(request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done || set.length === 0) throw new Error('helmet() did not set its headers synchronously');
  set.push(...extra);
  // Header names are case-insensitive; lower-case ones spare Node a toLowerCase() copy per header
  // and request (setHeader() keys its map by the lower-cased name).
  for (const h of set) h[0] = h[0].toLowerCase();
  return (_req, res, next) => {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i]![0], set[i]![1]);
    for (let i = 0; i < removed.length; i++) if (res.hasHeader(removed[i]!)) res.removeHeader(removed[i]!);
    next();
  };
}
