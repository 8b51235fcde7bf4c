import { z } from 'zod';
import { errors, type FieldError } from '../errors';

/** Turns zod issues into per-field details: `{ field: "contactPhone", message: "..." }`. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}

/**
 * Validates input at the edge (docs/control-plane.md, "Layers"). Throws a 400 VALIDATION_ERROR with
 * one detail per offending field; returns the parsed, typed value otherwise.
 */
export function validate<S extends z.ZodTypeAny>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw errors.validation(fieldErrors(result.error));
  return result.data;
}

/** Common list query: page (1-based) and pageSize (1..100). */
export const pagingSchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
