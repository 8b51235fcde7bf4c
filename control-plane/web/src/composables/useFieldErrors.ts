import { reactive } from 'vue';
import { ApiError } from '@kg/web-ui';

/**
 * Field errors from a 400 VALIDATION_ERROR answer, shown on the form items (`:error`).
 * `take` returns true when the error was a validation error it absorbed.
 */
export function useFieldErrors() {
  const errors = reactive<Record<string, string>>({});
  return {
    errors,
    clear() {
      for (const k of Object.keys(errors)) delete errors[k];
    },
    take(err: unknown): boolean {
      if (!(err instanceof ApiError) || err.status !== 400) return false;
      const fields = err.fieldErrors();
      Object.assign(errors, fields);
      return Object.keys(fields).length > 0;
    },
  };
}
