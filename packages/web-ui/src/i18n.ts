import { createI18n, type I18nOptions } from 'vue-i18n';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = 'kg.locale';

/** The saved language, else Chinese (the default of the web apps). */
export function initialLocale(): Locale {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : 'zh-CN';
}

/** vue-i18n in composition mode with Chinese default and English; `messages` per locale. */
export function setupI18n(messages: Record<Locale, object>) {
  return createI18n({
    legacy: false,
    locale: initialLocale(),
    fallbackLocale: 'en',
    // Nested plain objects of strings; vue-i18n's message type is wider than the apps need.
    messages: messages as I18nOptions['messages'],
  });
}

/** Switches the language, remembers it and sets <html lang>. */
export function saveLocale(locale: Locale): void {
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}
