import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { errorHandler, notFoundHandler, requestLogging } from '@kg/shared';
import type { AppContext } from '../context';
import { healthRoutes } from '../modules/health/health.routes';
import { openApiDocument } from './openapi';

/** Route modules mounted by the app, in order. Each registers its own OpenAPI paths. */
export function routeModules(): Array<(ctx: AppContext) => Router> {
  return [healthRoutes];
}

/** Builds the control-plane Express app over an existing context (tests start it on port 0). */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.use(requestLogging(ctx.logger));
  app.use(helmet());
  app.use(ctx.metrics.middleware);
  app.use(express.json({ limit: '1mb' }));
  app.use(ctx.metrics.router);
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  for (const mount of routeModules()) app.use(mount(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
