import type { Router } from 'express';
import type { AppContext } from '../../context';
import { crudRoutes } from '../crud/crud.routes';
import { studentResource } from './student.resource';

/** /api/students (REST); a child's parents are served by the parents module. */
export function studentRoutes(_ctx: AppContext): Router {
  return crudRoutes(studentResource);
}
