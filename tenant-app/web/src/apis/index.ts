import type { Query } from '@kg/web-ui';
import { api } from '../session';

/** One page of a collection (`{items,total,page,pageSize}`). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export type Row = Record<string, unknown> & { id: number };

/** Typed access to the tenant API's plain collections. */
export const collection = (path: string) => ({
  list: (query: Query = {}) => api.get<Page<Row>>(path, query),
  get: (id: number) => api.get<Row>(`${path}/${id}`),
  create: (body: Record<string, unknown>) => api.post<Row>(path, body),
  update: (id: number, body: Record<string, unknown>) => api.put<Row>(`${path}/${id}`, body),
  remove: (id: number) => api.delete<unknown>(`${path}/${id}`),
});

/** A record's display name (name, title, childName, …). */
export function labelOf(row: Row | undefined): string {
  if (!row) return '';
  for (const k of ['name', 'title', 'childName', 'realName']) if (typeof row[k] === 'string') return row[k] as string;
  return `#${row.id}`;
}
