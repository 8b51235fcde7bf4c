import { ElMessage, ElMessageBox } from 'element-plus';
// Imported by hand (not by the resolver), so their styles are too.
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import { useI18n } from 'vue-i18n';
import { ApiError } from '@kg/web-ui';

/**
 * Runs an operator action after a confirmation that says what will happen; shows the API's
 * message when it fails. Resolves true when the action ran.
 */
export function useAction() {
  const { t } = useI18n();
  async function confirmThen(message: string, run: () => Promise<unknown>, confirmLabel?: string): Promise<boolean> {
    try {
      await ElMessageBox.confirm(message, t('common.confirm'), {
        confirmButtonText: confirmLabel ?? t('common.confirm'),
        cancelButtonText: t('common.cancel'),
        type: 'warning',
      });
    } catch {
      return false;
    }
    return attempt(run);
  }
  async function attempt(run: () => Promise<unknown>): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (err) {
      showError(err);
      return false;
    }
  }
  function showError(err: unknown) {
    ElMessage.error(err instanceof ApiError ? err.message : String(err));
  }
  return { confirmThen, attempt, showError };
}
