import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import { errorHandler, metricsAccess, notFoundHandler, runChain, securityHeaders } from '@kg/shared';
import type { AppContext } from '../context';
import { healthRoutes } from '../modules/health/health.routes';
import { tenantRouteModules } from '../modules/routes';
import { authenticate } from './middleware/auth';
import { operationLog } from './middleware/operation-log';
import { requestLog } from './middleware/request-log';
import { resolveTenant } from './middleware/tenant';
import { openApiDocument } from './openapi';
import { collectionRoutes, installApiEntry, type CollectionChains } from './api-entry';
import { authRelayRoutes } from './auth-relay';
import { leanJson } from './json-response';
import { staffAppRoutes } from './staff-app';

/** Route modules mounted by the app: public ones, then the tenant API. Each registers its OpenAPI paths. */
export function routeModules(): Array<(ctx: AppContext) => Router> {
  return [healthRoutes, ...tenantRouteModules()];
}

/** Builds the tenant-app Express app over an existing context (tests start it on port 0). */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // JSON API: no ETag (it would hash every response body for caches nobody uses here).
  app.set('etag', false);
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  requestStateOnLocals(app);
  leanJson(app);
  const json = express.json({ limit: '1mb' });
  // What every request goes through, run as one layer of the app's router (each layer costs a
  // path match and a trip through the router on every request).
  const prelude: RequestHandler[] = [
    requestLog(app, ctx.logger, ctx.metrics.observeRequest), // access log and latency histogram
    securityHeaders(), // helmet's API headers, evaluated once
    (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : json(req, res, next)),
  ];
  app.use((req, res, next) => runChain(prelude, req, res, next));
  // The tenant API under /api/<collection>: resolve the tenant, then the user inside it, then hand
  // over to the routes serving that collection only (a request is matched against a handful of
  // routes, not all of them). Other paths fall through to the public routes and the 404.
  const tenantScope = [resolveTenant(ctx), authenticate(ctx)];
  // Writes also get the tenant's operation log (docs/staff-app.md, "Audit"); reads keep their chain.
  const logged = operationLog(ctx);
  const chainsOf = (collection: string, routes: RequestHandler): CollectionChains => ({
    read: [...tenantScope, routes],
    write: SELF_LOGGED.has(collection) ? [...tenantScope, routes] : [...tenantScope, logged, routes],
  });
  // Express's path, kept for OPTIONS (the router's automatic answer) and requests the API entry
  // passes on; the entry below serves everything else of a known collection.
  const viaRouters = new Map<string, CollectionChains>();
  const direct = new Map<string, CollectionChains>();
  for (const [collection, routers] of collectionRouters(ctx)) {
    viaRouters.set(collection, chainsOf(collection, routerOf(routers)));
    direct.set(collection, chainsOf(collection, collectionRoutes(routers)));
  }
  app.use((req, res, next) => {
    const collection = COLLECTION.exec(req.path)?.[1];
    const chains = collection === undefined ? undefined : viaRouters.get(collection);
    if (!chains) return next(); // unknown paths answer 404 without resolving a tenant
    runChain(req.method === 'GET' || req.method === 'HEAD' ? chains.read : chains.write, req, res, next);
  });
  app.use(metricsAccess({ token: ctx.config.METRICS_TOKEN, nodeEnv: ctx.config.NODE_ENV }), ctx.metrics.router);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(healthRoutes(ctx));
  // After the tenant API: its requests never meet these (docs/staff-app.md, Serving).
  app.use(authRelayRoutes(ctx));
  app.use(staffAppRoutes());
  const onError = errorHandler(ctx.logger);
  app.use(notFoundHandler);
  app.use(onError);
  installApiEntry(app, { prelude, collections: direct, notFound: notFoundHandler, onError });
  return app;
}

const COLLECTION = /^\/api\/([^/]+)/;
/** Collections whose writes the control plane logs itself, in the same transaction as the change. */
const SELF_LOGGED = new Set(['staff', 'roles']);

/** What this app attaches to a request (request id, tenant, its database handle, the signed-in user). */
const REQUEST_STATE = ['id', 'tenant', 'tenantDb', 'auth'] as const;

/**
 * Makes `req.id`, `req.tenant`, `req.tenantDb` and `req.auth` accessors on the app's request
 * prototype that keep their values in `res.locals` (a dictionary object Express creates for every
 * request). Express gives each request object a hidden class of its own, so every property added
 * to it allocates a new hidden class and copies its ~30 property descriptors; four of them per
 * request were among the largest allocations of the tenant app (bench/tenant-app). Handlers still
 * read and write `req.tenant` and friends as before.
 */
function requestStateOnLocals(app: Express): void {
  for (const name of REQUEST_STATE) {
    const key = Symbol(`kg.${name}`);
    Object.defineProperty(app.request, name, {
      configurable: true,
      get(this: Request) {
        return (this.res?.locals as Record<symbol, unknown> | undefined)?.[key];
      },
      set(this: Request, value: unknown) {
        (this.res!.locals as Record<symbol, unknown>)[key] = value;
      },
    });
  }
}

/** The routers serving each collection (`/api/<collection>/...`), in mounting order. */
function collectionRouters(ctx: AppContext): Map<string, Router[]> {
  const byCollection = new Map<string, Router[]>();
  for (const mount of tenantRouteModules()) {
    const router = mount(ctx);
    const stack = (router as unknown as { stack: Array<{ route?: { path: string } }> }).stack;
    const collections = new Set(stack.filter((l) => l.route).map((l) => l.route!.path.split('/')[2]!));
    for (const c of collections) (byCollection.get(c) ?? byCollection.set(c, []).get(c)!).push(router);
  }
  return byCollection;
}

/** Several routers as one. */
function routerOf(routers: Router[]): Router {
  if (routers.length === 1) return routers[0]!;
  const r = express.Router();
  for (const router of routers) r.use(router);
  return r;
}
