import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { completeDocument, envelope, errorEnvelope } from '@kg/shared/http/openapi';

extendZodWithOpenApi(z);

/**
 * The control plane's OpenAPI registry. Each routes file registers the paths it serves next to
 * the zod schemas it validates with, so the document cannot drift from the code; a test checks
 * every mounted route is documented.
 */
export const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'adminBearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'Admin access token (audience kg-admin) from POST /api/admin/auth/login',
});
registry.registerComponent('securitySchemes', 'userBearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'Global-user access token (audience kg-user) from POST /api/auth/login',
});

/** What each tag groups (the document's `tags`). */
const TAGS: Record<string, string> = {
  ops: 'Health, metrics and this document',
  auth: 'Global users: registration, sign-in, tokens, tenant switching; the public signing keys',
  'admin-auth': 'Operator sign-in and tokens',
  admins: 'Operator accounts (super admin)',
  audit: 'The tamper-evident audit log',
  tenants: 'The tenant registry: list, read, users, suspend and reactivate',
  lifecycle: 'Creating a tenant: the request, its progress and retries',
  cleanup: 'Deleting, restoring and purging tenants',
  'db-servers': 'MariaDB servers that hold tenant databases',
  schema: 'Tenant schema rollouts and drift',
  ai: 'AI model configuration (operators)',
  'ai-bridge': 'AI calls for tenant users, charged to the tenant; also in OpenAI-compatible form',
  billing: 'Plans, plan changes, recharge cards and tenant accounts',
  sms: 'SMS verification codes',
  storage: 'Temporary storage credentials and the local object store',
};

export { envelope, errorEnvelope };

/** Standard responses: the success body plus the error envelope for the listed statuses. */
export function responses(
  data: z.ZodTypeAny,
  errorStatuses: number[] = [400, 401, 403],
  successStatus = 200,
): Record<string, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }> {
  const out: Record<string, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }> = {
    [successStatus]: { description: 'Success', content: { 'application/json': { schema: envelope(data) } } },
  };
  for (const status of errorStatuses) {
    out[status] = { description: 'Error', content: { 'application/json': { schema: errorEnvelope } } };
  }
  out[503] = { description: 'MySQL or Redis unavailable', content: { 'application/json': { schema: errorEnvelope } } };
  return out;
}

export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kindergarten platform control plane',
      version: '0.1.0',
      license: { name: 'UNLICENSED' },
      description: 'Unified auth, tenant registry and operator API.',
    },
    servers: [{ url: '/' }],
  });
  return completeDocument(doc, TAGS);
}

export { z };
