import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { ApiError } from '@kg/web-ui';
import { hostTenantCode } from '../host';
import { session } from '../session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    /** Shown without the shell (sign-in flow). */
    bare?: boolean;
    permission?: string;
  }
}

const resource = (kind: string, permission: string): RouteRecordRaw => ({
  path: `/${kind}`,
  component: () => import('../pages/ResourcePage.vue'),
  props: { kind },
  meta: { permission },
});

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('../pages/SignInPage.vue'), meta: { public: true, bare: true } },
  { path: '/handoff', component: () => import('../pages/HandoffPage.vue'), meta: { public: true, bare: true } },
  { path: '/password', component: () => import('../pages/ChangePasswordPage.vue'), meta: { bare: true } },
  { path: '/tenants', component: () => import('../pages/TenantPickerPage.vue'), meta: { bare: true } },
  { path: '/', redirect: '/dashboard' },
  { path: '/dashboard', component: () => import('../pages/DashboardPage.vue') },
  resource('classes', 'classes:read'),
  resource('teachers', 'teachers:read'),
  resource('students', 'students:read'),
  resource('parents', 'parents:read'),
  resource('notifications', 'notifications:read'),
  resource('todos', 'todos:read'),
  { path: '/enrollment', component: () => import('../pages/EnrollmentPage.vue'), meta: { permission: 'enrollment:read' } },
  { path: '/activities', component: () => import('../pages/ActivitiesPage.vue'), meta: { permission: 'activities:read' } },
  { path: '/files', component: () => import('../pages/FilesPage.vue'), meta: { permission: 'files:read' } },
  { path: '/ai', component: () => import('../pages/AiPage.vue'), meta: { permission: 'ai:read' } },
  { path: '/staff', component: () => import('../pages/StaffPage.vue'), meta: { permission: 'staff:read' } },
  { path: '/roles', component: () => import('../pages/RolesPage.vue'), meta: { permission: 'staff:read' } },
  // The kindergarten's account and AI usage: system:read, the admin role's (docs/staff-app.md, Billing).
  { path: '/billing', component: () => import('../pages/BillingPage.vue'), meta: { permission: 'system:read' } },
  { path: '/usage', component: () => import('../pages/UsagePage.vue'), meta: { permission: 'system:read' } },
  { path: '/account', component: () => import('../pages/AccountPage.vue') },
  { path: '/:rest(.*)*', redirect: '/dashboard' },
];

export const router = createRouter({ history: createWebHistory('/'), routes });

let resumed = false;
router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.signedIn.value && !resumed) {
    resumed = true;
    await session.resume(); // the refresh cookie of this host survives a page reload
  }
  if (!session.signedIn.value) return { path: '/login', query: { redirect: to.fullPath } };
  if (session.state.mustChangePassword) return to.path === '/password' ? true : '/password';
  if (to.path === '/tenants') return true;
  if (!session.state.profile) {
    const here = hostTenantCode();
    if (!here) return '/tenants';
    try {
      await session.enter(here);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404)) return '/tenants';
      throw err;
    }
  }
  if (to.meta.permission && !session.can(to.meta.permission)) return '/dashboard';
  return true;
});
