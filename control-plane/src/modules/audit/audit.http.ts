import type { Request } from 'express';
import { clientRequestId as clientId } from '@kg/shared';
import { clientInfo } from '../../http/middleware/auth';
import type { AuditActor } from './audit.service';

/** Who acts (the signed-in admin or user), from where, and in which request. */
export function auditActor(req: Request): AuditActor {
  const { ip, userAgent } = clientInfo(req);
  // requestLogging assigns the server-generated request id; the client's is its own field.
  const id = (req as { id?: unknown }).id;
  const requestId = id === undefined || id === null ? null : String(id);
  const clientRequestId = clientId(req);
  if (req.admin) {
    return { actorType: 'admin', actorId: req.admin.sub, actorName: req.admin.username, ip, userAgent, requestId, clientRequestId };
  }
  if (req.user) {
    return { actorType: 'user', actorId: req.user.sub, actorName: req.user.phone, ip, userAgent, requestId, clientRequestId };
  }
  return { actorType: 'system', actorId: null, actorName: null, ip, userAgent, requestId, clientRequestId };
}
