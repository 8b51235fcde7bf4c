export { ApiClient, ApiError, type FieldError, type Query, type RequestOptions } from './api/client';
export { createSession, type Session, type SessionGrant, type SessionProfile } from './session';
export { hasRole, roleDirective, ROLES, type Role } from './permission';
export { initialLocale, LOCALES, saveLocale, setupI18n, type Locale } from './i18n';
export { usePagination } from './use-pagination';
export { formatDateTime } from './format';
export { default as AppShell } from './layout/AppShell.vue';
export type { MenuItem } from './layout/menu';
export { createUserSession, type TenantProfile, type UserSession, type UserTenant } from './user-session';
