import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { activityResource, registrationInput, registrationItem, registrationUpdate } from './activity.resource';
import { deleteRegistration, getRegistration, listRegistrations, register, updateRegistration } from './activity.service';

const params = z.object({ id: z.coerce.number().int().positive() });
const regParams = params.extend({ registrationId: z.coerce.number().int().positive() });
const common = { tags: ['Activity'], security: [{ userBearer: [] }] };
const doc = (method: 'get' | 'post' | 'put' | 'delete', path: string, summary: string, extra: object, data: z.ZodTypeAny, status = 200) =>
  registry.registerPath({ ...common, method, path, summary, request: { headers: tenantHeaders, ...extra }, responses: responses(data, status) });
doc('get', '/api/activities/{id}/registrations', 'Registrations of an activity (activities:read)', { params }, z.array(registrationItem));
doc(
  'post',
  '/api/activities/{id}/registrations',
  'Sign a family up; 409 ACTIVITY_FULL or REGISTRATION_CLOSED (activities:write)',
  { params, body: { content: { 'application/json': { schema: registrationInput } } } },
  registrationItem,
  201,
);
doc('get', '/api/activities/{id}/registrations/{registrationId}', 'One registration (activities:read)', { params: regParams }, registrationItem);
doc(
  'put',
  '/api/activities/{id}/registrations/{registrationId}',
  'Confirm, cancel, check in a registration (activities:write)',
  { params: regParams, body: { content: { 'application/json': { schema: registrationUpdate } } } },
  registrationItem,
);
doc('delete', '/api/activities/{id}/registrations/{registrationId}', 'Delete a registration (activities:delete)', { params: regParams }, z.object({ deleted: z.literal(true) }));

/** /api/activities (REST) and their registrations. */
export function activityRoutes(_ctx: AppContext): Router {
  const router = crudRoutes(activityResource);
  const base = '/api/activities/:id/registrations';
  router.get(base, requirePermission('activities', 'read'), async (req, res) => {
    ok(res, await listRegistrations(req.tenantDb!, idOf(req)));
  });
  router.post(base, requirePermission('activities', 'write'), async (req, res) => {
    const input = validate(registrationInput, req.body);
    ok(res, await register(req.tenantDb!, idOf(req), input), 201);
  });
  router.get(`${base}/:registrationId`, requirePermission('activities', 'read'), async (req, res) => {
    ok(res, await getRegistration(req.tenantDb!, idOf(req), idOf(req, 'registrationId')));
  });
  router.put(`${base}/:registrationId`, requirePermission('activities', 'write'), async (req, res) => {
    const input = validate(registrationUpdate, req.body);
    ok(res, await updateRegistration(req.tenantDb!, idOf(req), idOf(req, 'registrationId'), input));
  });
  router.delete(`${base}/:registrationId`, requirePermission('activities', 'delete'), async (req, res) => {
    await deleteRegistration(req.tenantDb!, idOf(req), idOf(req, 'registrationId'));
    ok(res, { deleted: true });
  });
  return router;
}
