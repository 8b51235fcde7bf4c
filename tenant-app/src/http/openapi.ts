import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { completeDocument, envelope, errorEnvelope } from '@kg/shared/http/openapi';

extendZodWithOpenApi(z);

/**
 * The tenant app's OpenAPI registry. Each routes file registers the paths it serves next to the
 * zod schemas it validates with, so the document cannot drift from the code; a test checks every
 * mounted route is documented.
 */
export const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'userBearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'Global-user access token (audience kg-user) from the control plane, optionally tenant-scoped',
});

/** Every tenant route names its tenant by this header or by the Host subdomain `{tenantCode}.{BASE_DOMAIN}`. */
export const tenantHeaders = z.object({
  'x-tenant-code': z.string().optional().openapi({
    example: 'k001',
    description: 'Tenant code; may be omitted on the tenant subdomain. Both present and different -> 400 TENANT_CONFLICT',
  }),
});

/** What each tag groups (the document's `tags`); the collection tags are named after their resource. */
const TAGS: Record<string, string> = {
  ops: 'Health, metrics and this document',
  me: 'The signed-in user inside the tenant',
};

export { envelope, errorEnvelope };

const TENANT_ERRORS: Record<number, string> = {
  400: 'Validation error (per-field details), or TENANT_CONFLICT / no tenant named',
  401: 'Missing, invalid, expired or revoked token',
  403: 'TENANT_SUSPENDED, NOT_BOUND_TO_TENANT, ACCOUNT_DISABLED or FORBIDDEN (missing permission)',
  404: 'TENANT_NOT_FOUND or NOT_FOUND',
  409: 'Conflict (duplicate or still referenced)',
  410: 'TENANT_DELETED',
  503: 'TENANT_NOT_READY (provisioning or failed), or MySQL/Redis unavailable',
};

/** Standard responses of a tenant route: the success body plus the error envelope for the tenant statuses. */
export function responses(
  data: z.ZodTypeAny,
  successStatus = 200,
  extra: Record<number, string> = {},
): Record<string, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }> {
  const out: Record<string, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }> = {
    [successStatus]: { description: 'Success', content: { 'application/json': { schema: envelope(data) } } },
  };
  for (const [status, description] of Object.entries({ ...TENANT_ERRORS, ...extra })) {
    out[status] = { description, content: { 'application/json': { schema: errorEnvelope } } };
  }
  return out;
}

export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kindergarten tenant app',
      version: '0.1.0',
      license: { name: 'UNLICENSED' },
      description:
        'The kindergarten API of one tenant. The tenant comes from X-Tenant-Code or the Host ' +
        'subdomain; every route except health needs a user token of someone bound to that tenant, and the ' +
        'permission `<resource>:<action>` from the tenant\'s own roles.',
    },
    servers: [{ url: '/' }],
  });
  return completeDocument(doc, TAGS, (resource) => `The tenant's ${resource} records (permission per operation in its summary)`);
}

export { z };
