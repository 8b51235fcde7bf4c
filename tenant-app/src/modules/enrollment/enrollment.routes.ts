import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { f } from '../crud/fields';
import {
  admissionNotificationResource,
  applicationResource,
  planResource,
  resultResource,
} from './enrollment.resource';
import { applicationResult, reviewApplication, withdrawApplication } from './enrollment.service';

const reviewSchema = z
  .object({
    decision: z.enum(['approve', 'reject', 'waitlist']),
    comment: f.optText(1000).optional(),
    classId: f.ref().optional(),
    confirmDeadline: f.date().nullable().optional(),
    notify: z
      .object({
        channel: z.enum(['sms', 'email', 'wechat', 'in_app', 'letter']),
        title: f.text(200).optional(),
        content: f.text(5000).optional(),
      })
      .nullable()
      .optional(),
  })
  .openapi('ApplicationReview');

const params = z.object({ id: z.coerce.number().int().positive() });
const common = { tags: ['EnrollmentApplication'], security: [{ userBearer: [] }] };
registry.registerPath({
  ...common,
  method: 'post',
  path: '/api/enrollment/applications/{id}/review',
  summary: 'Approve, reject or waitlist an application; records the admission result and queues the notice (enrollment:write)',
  request: { headers: tenantHeaders, params, body: { content: { 'application/json': { schema: reviewSchema } } } },
  responses: responses(
    z.object({
      application: applicationResource.item,
      result: resultResource.item,
      notification: admissionNotificationResource.item.nullable(),
      student: z.object({ id: z.number() }).nullable(),
    }),
  ),
});
registry.registerPath({
  ...common,
  method: 'post',
  path: '/api/enrollment/applications/{id}/withdraw',
  summary: 'Withdraw a pending application (enrollment:write)',
  request: { headers: tenantHeaders, params },
  responses: responses(applicationResource.item),
});
registry.registerPath({
  ...common,
  method: 'get',
  path: '/api/enrollment/applications/{id}/result',
  summary: 'The admission result of an application and its notifications (enrollment:read)',
  request: { headers: tenantHeaders, params },
  responses: responses(z.object({ result: resultResource.item, notifications: z.array(admissionNotificationResource.item) })),
});

/** /api/enrollment/*: plans, applications (+ review), admission results and notifications. */
export function enrollmentRoutes(_ctx: AppContext): Router {
  const router = Router();
  crudRoutes(planResource, undefined, router);
  crudRoutes(applicationResource, undefined, router);
  crudRoutes(resultResource, ['list', 'get'], router);
  crudRoutes(admissionNotificationResource, ['list', 'get', 'update'], router);
  router.post('/api/enrollment/applications/:id/review', requirePermission('enrollment', 'write'), async (req, res) => {
    const id = idOf(req);
    const input = validate(reviewSchema, req.body);
    ok(res, await reviewApplication(req.tenantDb!, id, input, { userId: req.auth!.user.id, tenantName: req.tenant!.name }));
  });
  router.post('/api/enrollment/applications/:id/withdraw', requirePermission('enrollment', 'write'), async (req, res) => {
    ok(res, await withdrawApplication(req.tenantDb!, idOf(req)));
  });
  router.get('/api/enrollment/applications/:id/result', requirePermission('enrollment', 'read'), async (req, res) => {
    ok(res, await applicationResult(req.tenantDb!, idOf(req)));
  });
  return router;
}
