import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { errorHandler, metricsAccess, notFoundHandler, requestLogging, runChain, securityHeaders } from '@kg/shared';
import type { AppContext } from '../context';
import { healthRoutes } from '../modules/health/health.routes';
import { authRoutes } from '../modules/auth/auth.routes';
import { adminAuthRoutes } from '../modules/admin-auth/admin-auth.routes';
import { auditRoutes } from '../modules/audit/audit.routes';
import { tenantRoutes } from '../modules/tenants/tenant.routes';
import { adminRoutes } from '../modules/admins/admin.routes';
import { dbServerRoutes } from '../modules/db-servers/db-server.routes';
import { aiModelRoutes } from '../modules/ai-models/ai-model.routes';
import { tenantStatusRoutes } from '../modules/tenant-status/tenant-status.routes';
import { deletionRoutes } from '../modules/deletion/deletion.routes';
import { smsRoutes } from '../modules/sms/sms.routes';
import { isJsonBody, storageRoutes } from '../modules/storage/storage.routes';
import { rolloutRoutes } from '../modules/rollout/rollout.routes';
import { lifecycleRoutes } from '../modules/lifecycle/lifecycle.routes';
import { bridgeRoutes } from '../modules/ai-bridge/bridge.routes';
import { billingRoutes } from '../modules/billing/billing.routes';
import { billingReportRoutes } from '../modules/billing/billing-reports.routes';
import { billingAdminRoutes } from '../modules/billing/billing-admin.routes';
import { openAiFaceRoutes } from '../modules/ai-bridge/openai-face.routes';
import { tenantModelRoutes } from '../modules/ai-bridge/tenant-model.routes';
import { statsRoutes } from '../modules/stats/stats.routes';
import { globalUserRoutes } from '../modules/global-users/global-users.routes';
import { staffRoutes } from '../modules/staff/staff.routes';
import { openApiDocument } from './openapi';
import { adminConsoleRoutes } from './admin-console';

/**
 * Route modules mounted by the app, in order. Each registers its own OpenAPI paths. The AI
 * bridge's two faces come first: they carry every tenant's AI traffic, and each router mounted
 * before them is one more list of routes a bridge call is matched against (docs/ai-billing.md,
 * "Bridge overhead"); no other module's paths overlap theirs.
 */
export function routeModules(): Array<(ctx: AppContext) => Router> {
  return [bridgeRoutes, openAiFaceRoutes, healthRoutes, adminAuthRoutes, authRoutes, auditRoutes, tenantRoutes, adminRoutes, dbServerRoutes, aiModelRoutes, tenantStatusRoutes, deletionRoutes, rolloutRoutes, smsRoutes, storageRoutes, lifecycleRoutes, statsRoutes, globalUserRoutes, tenantModelRoutes, billingRoutes, billingReportRoutes, billingAdminRoutes, staffRoutes];
}

/** Builds the control-plane Express app over an existing context (tests start it on port 0). */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // JSON API: no ETag (it would hash every answer for caches nobody uses); the console's static
  // files keep theirs (express.static sets its own).
  app.set('etag', false);
  // One trusted hop: req.ip is the address the proxy appended, never one a client wrote itself
  // into X-Forwarded-For (per-IP abuse limits count it; docs/security.md, Abuse limits).
  app.set('trust proxy', ctx.config.TRUST_PROXY ? 1 : false);
  const json = express.json({ limit: '1mb', type: isJsonBody });
  // What every request goes through, as one layer: request id, access log and latency histogram;
  // helmet's default headers (the console's pages need the document ones), evaluated once at
  // start; the JSON body.
  const prelude: RequestHandler[] = [
    requestLogging(ctx.logger, ctx.metrics.observeRequest),
    securityHeaders({}, []),
    (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : json(req, res, next)),
  ];
  app.use((req, res, next) => runChain(prelude, req, res, next));
  // Only the auth routes read cookies (the refresh-token cookie is scoped to their paths).
  app.use(['/api/auth', '/api/admin/auth'], cookieParser());
  app.use(metricsAccess({ token: ctx.config.METRICS_TOKEN, nodeEnv: ctx.config.NODE_ENV }), ctx.metrics.router);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  for (const mount of routeModules()) app.use(mount(ctx));
  app.use(adminConsoleRoutes());
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
