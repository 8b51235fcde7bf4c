import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { runChain } from '@kg/shared';

/** What the router package (2.x) keeps for a route: the parts the entry uses, checked at start-up. */
interface RouteLayer {
  match(path: string): { params: Record<string, string> } | false;
  route: ExpressRoute;
}
interface ExpressRoute {
  path: string;
  _handlesMethod(method: string): boolean;
  dispatch(req: Request, res: Response, done: NextFunction): void;
}

/** A known collection's middleware for reads and for writes, ending with its routes. */
export interface CollectionChains {
  read: RequestHandler[];
  write: RequestHandler[];
}

export interface ApiEntryOptions {
  /** Run first on every request (request id, access log, security headers, body parsing). */
  prelude: RequestHandler[];
  /** By collection (`/api/<collection>/...`). */
  collections: Map<string, CollectionChains>;
  /** What the app answers when nothing handled the request, and how it renders errors. */
  notFound: RequestHandler;
  onError: ErrorRequestHandler;
}

const COLLECTION = /^\/api\/([^/?#]+)/;

/**
 * The tenant API's own entry (docs/request-path.md, Routing). Express hands every request to
 * `app.handle`, which builds a final handler and walks the app router; a request for
 * `/api/<collection>/...` then walked the prelude layer, the API dispatcher and the collection's
 * router, each `next()` of the router package allocating closures, restoring `req.url` and
 * `req.baseUrl` and matching paths. Here a request of a known collection is set up exactly as
 * `app.handle` does (prototypes, `res.locals`, `req.originalUrl`, `req.baseUrl`) and goes straight
 * through the prelude, tenant resolution, authentication and the collection's routes, so the
 * handlers see the same `req` and `res` as before. Everything else (other paths, `OPTIONS` and
 * its automatic answer) goes to Express as before; so does an API request nothing answered, as a
 * 404 from the app's own not-found handler and error renderer.
 */
export function installApiEntry(app: Express, opts: ApiEntryOptions): void {
  const expressHandle = (app as unknown as { handle: (req: Request, res: Response, cb?: NextFunction) => void }).handle;
  const request = app.request;
  const response = app.response;
  const poweredBy = app.enabled('x-powered-by');
  const finish = (req: Request, res: Response) => (err?: unknown) => {
    if (err === undefined || err === null || err === 'route' || err === 'router') {
      return runChain([opts.notFound], req, res, (e) => render(e ?? new Error('not found'), req, res));
    }
    render(err, req, res);
  };
  const render = (err: unknown, req: Request, res: Response) => {
    try {
      opts.onError(err, req, res, () => undefined);
    } catch {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    }
  };
  (app as unknown as { handle: unknown }).handle = function handle(this: Express, req: Request, res: Response, callback?: NextFunction) {
    const method = req.method;
    const collection = callback === undefined && method !== 'OPTIONS' ? COLLECTION.exec(req.url)?.[1] : undefined;
    const chains = collection === undefined ? undefined : opts.collections.get(collection);
    if (!chains) return expressHandle.call(this, req, res, callback);
    // As app.handle (express/lib/application.js) and the router's handle() set a request up.
    if (poweredBy) res.setHeader('X-Powered-By', 'Express');
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, request);
    Object.setPrototypeOf(res, response);
    if (!res.locals) res.locals = Object.create(null) as Record<string, unknown>;
    req.originalUrl = req.url;
    req.baseUrl = '';
    const done = finish(req, res);
    runChain(opts.prelude, req, res, (err?: unknown) => {
      if (err !== undefined && err !== null) return done(err);
      runChain(method === 'GET' || method === 'HEAD' ? chains.read : chains.write, req, res, done);
    });
  };
}

/**
 * The routes of a collection's routers as one handler: the first route matching the path and
 * method handles the request (`next('route')` or falling off its end tries the next one), as the
 * router package would, without a router of its own per request.
 */
export function collectionRoutes(routers: Router[]): RequestHandler {
  const routes: RouteLayer[] = [];
  for (const router of routers) {
    for (const layer of (router as unknown as { stack: Array<Partial<RouteLayer>> }).stack) {
      const route = layer.route;
      if (!route || typeof layer.match !== 'function' || typeof route._handlesMethod !== 'function' || typeof route.dispatch !== 'function') {
        throw new Error('A tenant API module mounts something other than routes, or the router package changed: collectionRoutes() cannot serve it');
      }
      routes.push(layer as RouteLayer);
    }
  }
  return (req, res, next) => {
    const method = req.method;
    const path = req.path;
    let i = 0;
    const tryFrom = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route') return next(err === 'router' ? undefined : err);
      while (i < routes.length) {
        const layer = routes[i++]!;
        // As the router package: a HEAD request may try a route without a HEAD (or GET) handler.
        if (method !== 'HEAD' && !layer.route._handlesMethod(method)) continue;
        let match: ReturnType<RouteLayer['match']>;
        try {
          match = layer.match(path);
        } catch (e) {
          return next(e); // a parameter that is not valid percent-encoding: 400 from the router package
        }
        if (!match) continue;
        req.params = match.params;
        return layer.route.dispatch(req, res, tryFrom);
      }
      next();
    };
    tryFrom();
  };
}
