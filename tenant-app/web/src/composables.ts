import { reactive } from 'vue';
import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { useRouter } from 'vue-router';
import { ApiError } from '@kg/web-ui';
import { session } from './session';

/** Codes that mean this session no longer works here: the user is signed out. */
const ENDED = new Set(['NOT_BOUND_TO_TENANT', 'ACCOUNT_DISABLED', 'TOKEN_REVOKED', 'TOKEN_INVALID', 'TOKEN_EXPIRED', 'UNAUTHORIZED']);

/**
 * Shows an API failure plainly (the server's message, in a toast), and signs the user out when
 * the answer says their access ended (disabled, removed, revoked): "signed out on the next request".
 */
export function useReport() {
  const { t } = useI18n();
  const router = useRouter();
  return (err: unknown): void => {
    if (err instanceof ApiError && (err.status === 401 || ENDED.has(err.code))) {
      session.drop();
      void router.replace({ path: '/login', query: { ended: '1' } });
      return;
    }
    ElMessage.error(err instanceof ApiError ? err.message : t('common.failed'));
  };
}

/** Field errors from a 400 VALIDATION_ERROR answer, shown on the form items (`:error`). */
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
