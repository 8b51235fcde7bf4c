import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * helmet()'s headers, set by one middleware. With its default options helmet only sets fixed
 * headers (and removes X-Powered-By), yet it runs as a chain of a dozen middlewares on every
 * request. Here helmet runs once at start-up against a recording response; each request then gets
 * exactly the headers it recorded. If a helmet version ever answers differently (asynchronously,
 * with an error, or by touching anything but setHeader/removeHeader), start-up fails instead of
 * silently dropping a header.
 */
export function securityHeaders(options?: Parameters<typeof helmet>[0]): RequestHandler {
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
  return (_req, res, next) => {
    for (let i = 0; i < set.length; i++) res.setHeader(set[i]![0], set[i]![1]);
    for (let i = 0; i < removed.length; i++) res.removeHeader(removed[i]!);
    next();
  };
}
