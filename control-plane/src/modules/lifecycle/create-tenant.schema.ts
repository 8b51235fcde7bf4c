import { tenantCodeSchema } from '../../http/tenant-code';
import { z } from '../../http/openapi';
import { PLAN_TYPES } from './create-tenant.service';

/**
 * The create request as POST /api/tenant/create and `npm run tenant:create` both validate it
 * (docs/control-plane.md, "The create request"): one schema, so the command line accepts exactly
 * what the API accepts.
 */
export function createTenantBodySchema(phonePattern: string) {
  const tenantCode = tenantCodeSchema;
  return z
    .object({
      tenantCode: tenantCode.optional().openapi({ description: 'Omit to get the next free code', example: 'k003' }),
      name: z.string().trim().min(1).max(255).openapi({ example: '示例幼儿园' }),
      contactName: z.string().trim().min(1).max(100),
      contactEmail: z.email('must be a valid email address').max(255),
      contactPhone: z.string().trim().regex(new RegExp(phonePattern), 'must be a valid mobile phone number'),
      smsVerificationCode: z.string().trim().min(1, 'is required').openapi({ description: 'From POST /api/sms/send-code (purpose tenant_create)' }),
      subdomain: tenantCode.optional().openapi({ description: 'Must equal the tenant code: the domain is {code}.BASE_DOMAIN' }),
      address: z.string().trim().max(500).optional(),
      description: z.string().max(5000).optional(),
      planType: z.enum(PLAN_TYPES).default('basic'),
      dbServerId: z.number().int().positive().optional().openapi({ description: 'Place the database on this server' }),
    })
    .openapi('CreateTenantRequest');
}
