import { Router } from 'express';
import { ok, pagingSchema, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { pageOf } from '../../http/paging';
import { auditActor } from '../audit/audit.http';
import { actOnAccount, GLOBAL_USER_STATUSES, listGlobalUsers, type AccountAction } from './global-users.service';

const listQuery = pagingSchema.extend({
  q: z.string().trim().max(100).optional().openapi({ description: 'Search in phone, name and email' }),
  status: z.enum(GLOBAL_USER_STATUSES).optional(),
});
const idParams = z.object({ id: z.coerce.number().int().positive().max(2 ** 53 - 1) });

const userSchema = z
  .object({
    id: z.number(),
    phone: z.string(),
    realName: z.string(),
    email: z.string().nullable(),
    status: z.enum(GLOBAL_USER_STATUSES),
    lockedUntil: z.string().nullable(),
    mustChangePassword: z.boolean(),
    lastLoginAt: z.string().nullable(),
    createdAt: z.string(),
    tenants: z.array(z.object({ tenantCode: z.string(), role: z.string(), status: z.string() })),
  })
  .openapi('GlobalUserAdmin');

const ACTIONS: AccountAction[] = ['lock', 'unlock', 'disable', 'reset-password'];
const SUMMARIES: Record<AccountAction, string> = {
  lock: 'Locks the account until unlocked; its sessions end (admin)',
  unlock: 'Unlocks or re-enables the account and clears failed attempts (admin)',
  disable: 'Disables the account; its sessions end (admin)',
  'reset-password': 'Sets a one-time password, returned once; the user must change it; sessions end (admin)',
};

registry.registerPath({
  method: 'get',
  path: '/api/users',
  summary: 'Global users with search, status filter and paging, with their tenant bindings (operator)',
  tags: ['users'],
  security: [{ adminBearer: [] }],
  request: { query: listQuery },
  responses: responses(pageOf(userSchema), [400, 401, 403]),
});
for (const action of ACTIONS) {
  registry.registerPath({
    method: 'post',
    path: `/api/users/{id}/${action}`,
    summary: SUMMARIES[action],
    tags: ['users'],
    security: [{ adminBearer: [] }],
    request: { params: idParams },
    responses: responses(
      action === 'reset-password'
        ? z.object({ user: userSchema, oneTimePassword: z.string(), mustChangePassword: z.literal(true) })
        : userSchema,
      [400, 401, 403, 404, 409],
    ),
  });
}

/** Operator administration of global users (docs/console.md, Operator API). */
export function globalUserRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/users', requireAdmin(ctx, 'operator'), async (req, res) => {
    const q = validate(listQuery, req.query);
    ok(res, await listGlobalUsers(ctx, { page: q.page, pageSize: q.pageSize, q: q.q || undefined, status: q.status }));
  });
  for (const action of ACTIONS) {
    router.post(`/api/users/:id/${action}`, requireAdmin(ctx, 'admin'), async (req, res) => {
      const { id } = validate(idParams, req.params);
      const result = await actOnAccount(ctx, auditActor(req), id, action);
      if (action === 'reset-password') {
        res.setHeader('Cache-Control', 'no-store');
        ok(res, { user: result.user, oneTimePassword: result.oneTimePassword!, mustChangePassword: true });
      } else {
        ok(res, result.user);
      }
    });
  }
  return router;
}
