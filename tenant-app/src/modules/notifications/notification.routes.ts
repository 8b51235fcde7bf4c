import type { Router } from 'express';
import type { AppContext } from '../../context';
import { crudRoutes } from '../crud/crud.routes';
import { notificationResource } from './notification.resource';

/** /api/notifications (REST). */
export function notificationRoutes(_ctx: AppContext): Router {
  return crudRoutes(notificationResource);
}
