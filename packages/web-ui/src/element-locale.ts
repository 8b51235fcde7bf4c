import { computed, type ComputedRef } from 'vue';
import { useI18n } from 'vue-i18n';
import type { Language } from 'element-plus/es/locale';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import enLocale from 'element-plus/es/locale/lang/en';

/** Element Plus's own texts (pagers, dialogs, empty states) in the app's current language. */
export function useElementLocale(): ComputedRef<Language> {
  const { locale } = useI18n();
  return computed(() => (locale.value === 'en' ? enLocale : zhCn));
}
