import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../../context';
import { appendOperationLog } from '../../modules/audit/operation-log.repository';

const ACTIONS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };
const NUMERIC = /^\d+$/;

/** What a write did, from its path: `/api/activities/7/registrations` -> module activities, type activities/registrations. */
function describe(method: string, path: string): { module: string; action: string; resourceType: string; pathId: string | null } {
  const parts = path.split('/').filter(Boolean).slice(1); // drop "api"
  const words = parts.filter((p) => !NUMERIC.test(p));
  const last = parts[parts.length - 1] ?? '';
  const ids = parts.filter((p) => NUMERIC.test(p));
  // A verb after an id (POST /applications/5/review) is the action itself.
  const verb = method === 'POST' && parts.length >= 2 && NUMERIC.test(parts[parts.length - 2]!) && !NUMERIC.test(last) && ids.length > 0 && words.length > 1;
  return {
    module: words[0] ?? 'api',
    action: verb ? last : (ACTIONS[method] ?? method.toLowerCase()),
    resourceType: (verb ? words.slice(0, -1) : words).join('/'),
    pathId: ids[ids.length - 1] ?? null,
  };
}

/**
 * Records every successful write of the business API in the tenant's own `operation_logs`
 * (docs/staff-app.md, "Audit"): who (the tenant user), what (module, action, resource and id),
 * when, with request id, IP and user agent. Mounted only on writes (reads never meet it, so the
 * read path is unchanged). The row is written after the answer is sent: a failed log write is
 * logged, never turned into a failed request. Staff and role changes are logged by the control
 * plane in the same transaction as the change, so those collections are not mounted with this.
 */
export function operationLog(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    let createdId: unknown;
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      createdId = (body as { data?: { id?: unknown } } | undefined)?.data?.id;
      return json(body);
    }) as Response['json'];
    res.once('finish', () => {
      if (res.statusCode >= 400 || !req.auth || !req.tenantDb) return;
      const d = describe(req.method, req.path);
      const resourceId = d.pathId ?? (typeof createdId === 'number' || typeof createdId === 'string' ? String(createdId) : null);
      const ua = req.headers['user-agent'];
      appendOperationLog(req.tenantDb, {
        userId: req.auth.user.id,
        module: d.module,
        action: d.action,
        resourceType: d.resourceType,
        resourceId,
        description: `${req.method} ${req.path}`,
        ip: req.ip ?? null,
        userAgent: typeof ua === 'string' ? ua : null,
        requestId: String((req as { id?: unknown }).id ?? '') || null,
      }).catch((err: Error) => ctx.logger.warn({ err: err.message, tenant: req.tenant?.tenantCode }, 'operation log not written'));
    });
    next();
  };
}
