import { TENANT_CODE_PATTERN } from '@kg/shared';
import { z } from './openapi';

/**
 * A tenant code as it arrives in a path, body, header or query: trimmed, lower-cased, then
 * `^k\d{3,9}$`, checked at the edge before anything else happens (docs/security.md, Identifiers).
 */
export const tenantCodeSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(TENANT_CODE_PATTERN, 'must be k followed by 3 to 9 digits, e.g. k001')
  .openapi({ example: 'k001' });

/** Route parameters `{ code }` of /api/tenants/:code/... and /api/tenant/:code. */
export const tenantCodeParams = z.object({ code: tenantCodeSchema });
