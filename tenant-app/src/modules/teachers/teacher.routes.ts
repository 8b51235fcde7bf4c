import type { Router } from 'express';
import type { AppContext } from '../../context';
import { crudRoutes } from '../crud/crud.routes';
import { teacherResource } from './teacher.resource';

/** /api/teachers (REST). */
export function teacherRoutes(_ctx: AppContext): Router {
  return crudRoutes(teacherResource);
}
