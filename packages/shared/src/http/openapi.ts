import { extendZodWithOpenApi, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/**
 * OpenAPI pieces every HTTP app shares (import from '@kg/shared/http/openapi'; kept out of the
 * package index so processes without an HTTP API do not load zod-to-openapi).
 */
export const errorEnvelope = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi('ErrorEnvelope');

/** `{ success: true, data }` wrapper for a response schema. */
export function envelope<T extends z.ZodTypeAny>(data: T) {
  return z.object({ success: z.literal(true), data });
}

/** One store's line of the health report (see checkHealth). */
export const healthProbeSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
});

/** Documents GET /api/health (with the app's report schema), GET /metrics and GET /api/openapi.json. */
export function registerOpsPaths(
  registry: OpenAPIRegistry,
  opts: { healthSchema: z.ZodTypeAny; healthSummary: string; metricsSummary: string },
): void {
  registry.registerPath({
    method: 'get',
    path: '/api/health',
    summary: opts.healthSummary,
    tags: ['ops'],
    responses: {
      200: { description: 'Both stores reachable', content: { 'application/json': { schema: envelope(opts.healthSchema) } } },
      503: { description: 'A store is down; error.details holds the report' },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: opts.metricsSummary,
    tags: ['ops'],
    responses: { 200: { description: 'Prometheus text format' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    tags: ['ops'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  });
}
