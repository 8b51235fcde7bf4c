import { Router } from 'express';
import { ok } from '@kg/shared';
import type { AppContext } from '../../context';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';

const meSchema = z
  .object({
    tenantCode: z.string(),
    tenantName: z.string(),
    globalUserId: z.number(),
    userId: z.number(),
    phone: z.string(),
    realName: z.string(),
    email: z.string().nullable(),
    status: z.string(),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
  })
  .openapi('Me');

registry.registerPath({
  method: 'get',
  path: '/api/me',
  summary: 'The signed-in user inside this kindergarten, with roles and permissions',
  tags: ['me'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeaders },
  responses: responses(meSchema),
});

/** GET /api/me (any member of the tenant). */
export function meRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/api/me', (req, res) => {
    const { user } = req.auth!;
    ok(res, {
      tenantCode: req.tenant!.tenantCode,
      tenantName: req.tenant!.name,
      globalUserId: user.globalUserId,
      userId: user.id,
      phone: user.phone,
      realName: user.realName,
      email: user.email,
      status: user.status,
      roles: user.roles,
      permissions: user.permissions,
    });
  });
  return router;
}
