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

/**
 * Documents GET /api/health and GET /api/openapi.json (public) and GET /metrics (the
 * `metricsToken` bearer; docs/security.md, Secrets and logs) with fixed operation ids.
 */
export function registerOpsPaths(
  registry: OpenAPIRegistry,
  opts: { healthSchema: z.ZodTypeAny; healthSummary: string; metricsSummary: string },
): void {
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN. Without it set, /metrics is open in development and test and absent (404) in production',
  });
  registry.registerPath({
    method: 'get',
    path: '/api/health',
    operationId: 'getHealth',
    summary: opts.healthSummary,
    tags: ['ops'],
    security: [],
    responses: {
      200: { description: 'Both stores reachable', content: { 'application/json': { schema: envelope(opts.healthSchema) } } },
      503: { description: 'A store is down; error.details holds the report' },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: opts.metricsSummary,
    tags: ['ops'],
    security: [{ metricsToken: [] }],
    responses: {
      200: { description: 'Prometheus text format' },
      401: { description: 'METRICS_TOKEN is set and the request did not bring it' },
      404: { description: 'Production without METRICS_TOKEN: not served' },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['ops'],
    security: [],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  });
}

type Operation = { operationId?: string; tags?: string[] };
type Document = { paths?: Record<string, Record<string, Operation>>; tags?: Array<{ name: string; description?: string }> };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The operation id a path gets when its registration names none: the method and the path's words
 * in camel case, parameters as `By<Name>`, without the `/api` and `/v1` prefixes
 * (`GET /api/tenants/{code}/progress` -> `getTenantsByCodeProgress`). Stable as long as the path is.
 */
export function defaultOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((seg, i) => seg && !(i === 1 && seg === 'api') && seg !== 'v1')
    .flatMap((seg) => {
      const param = /^\{(\w+)\}$/.exec(seg);
      const parts = (param ? param[1]! : seg).split(/[^A-Za-z0-9]+/).filter(Boolean).map(capital);
      return param ? ['By', ...parts] : parts;
    });
  return method.toLowerCase() + words.join('');
}

/**
 * Finishes a generated document: every operation gets an operation id (its own or
 * defaultOperationId) and the document lists the tags its operations use, described by
 * `descriptions` or else by `describe`.
 * Throws when two operations would share an id, so a clash fails the app's tests.
 */
export function completeDocument<T extends object>(
  doc: T,
  descriptions: Record<string, string>,
  describe: (tag: string) => string | undefined = () => undefined,
): T {
  const d = doc as Document;
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const [path, item] of Object.entries(d.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      op.operationId ??= defaultOperationId(method, path);
      const where = `${method.toUpperCase()} ${path}`;
      const other = seen.get(op.operationId);
      if (other) throw new Error(`operationId ${op.operationId} is used by ${other} and ${where}`);
      seen.set(op.operationId, where);
      for (const tag of op.tags ?? []) used.add(tag);
    }
  }
  d.tags = [...used].sort().map((name) => {
    const description = descriptions[name] ?? describe(name);
    return description ? { name, description } : { name };
  });
  return doc;
}
