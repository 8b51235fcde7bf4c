import { z } from '../../http/openapi';

/** Field schemas shared by the resources (zod, validated once at the edge). */
export const f = {
  id: () => z.number().int().positive(),
  ref: () => z.number().int().positive().nullable(),
  text: (max: number, min = 1) => z.string().trim().min(min).max(max),
  optText: (max: number) => z.string().trim().max(max).nullable(),
  phone: () => z.string().regex(/^1[3-9]\d{9}$/, 'must be a mainland mobile number such as 13800138000'),
  email: () => z.email().max(255).nullable(),
  /** Calendar date 'YYYY-MM-DD'. */
  date: () =>
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'is not a valid date'),
  /** Instant, ISO 8601 with offset; stored as UTC. */
  datetime: () =>
    z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .openapi({ type: 'string', format: 'date-time' }),
  money: () => z.number().min(0).max(99_999_999),
  int: (min: number, max: number) => z.number().int().min(min).max(max),
  bool: () => z.boolean(),
  json: () => z.record(z.string(), z.unknown()),
  /** Numeric id filter in a query string. */
  idFilter: () => z.coerce.number().int().positive(),
};

/** Response schema for an item: every field of the resource, loosely typed (documented shape). */
export function itemSchema(name: string, fields: Record<string, string>, types: Record<string, z.ZodTypeAny> = {}) {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const field of Object.keys(fields)) {
    shape[field] =
      types[field] ??
      (field === 'id' || field.endsWith('Id') ? z.number().nullable() : field.endsWith('At') ? z.string().nullable() : z.unknown());
  }
  return z.object(shape).openapi(name);
}

/** snake_case column of a camelCase field. */
export function column(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Field map from a list of camelCase fields (id, createdAt and updatedAt are added). */
export function fieldsOf(list: string[], extra: string[] = ['createdAt', 'updatedAt']): Record<string, string> {
  const out: Record<string, string> = { id: 'id' };
  for (const field of [...list, ...extra]) out[field] = column(field);
  return out;
}
