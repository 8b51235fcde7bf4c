import type { Router } from 'express';
import type { AppContext } from '../../context';
import { crudRoutes } from '../crud/crud.routes';
import { todoResource } from './todo.resource';

/** /api/todos (REST). */
export function todoRoutes(_ctx: AppContext): Router {
  return crudRoutes(todoResource);
}
