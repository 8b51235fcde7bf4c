import { z } from './openapi';

/** OpenAPI schema of a `Page<T>`: `{ items, total, page, pageSize }`. */
export function pageOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });
}
