import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from '@kg/web-ui';
import { session } from '../session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    role?: Role;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('../pages/SignInPage.vue'), meta: { public: true } },
  { path: '/', redirect: '/dashboard' },
  { path: '/dashboard', component: () => import('../pages/DashboardPage.vue') },
  { path: '/tenants', component: () => import('../pages/TenantListPage.vue') },
  { path: '/tenants/:code', component: () => import('../pages/TenantDetailPage.vue'), props: true },
  { path: '/tenants/:code/progress', component: () => import('../pages/TenantProgressPage.vue'), props: true },
  { path: '/cleanup', component: () => import('../pages/CleanupPage.vue') },
  { path: '/users', component: () => import('../pages/GlobalUsersPage.vue') },
  { path: '/db-servers', component: () => import('../pages/DbServersPage.vue') },
  { path: '/ai-models', component: () => import('../pages/AiModelsPage.vue') },
  { path: '/plans', component: () => import('../pages/PlansPage.vue') },
  { path: '/recharge-cards', component: () => import('../pages/RechargeCardsPage.vue') },
  { path: '/schema', component: () => import('../pages/SchemaPage.vue') },
  { path: '/audit', component: () => import('../pages/AuditPage.vue') },
  { path: '/admins', component: () => import('../pages/AdminsPage.vue'), meta: { role: 'super_admin' } },
  { path: '/sms-inbox', component: () => import('../pages/SmsInboxPage.vue') },
  { path: '/:rest(.*)*', redirect: '/dashboard' },
];

export const router = createRouter({ history: createWebHistory('/admin/'), routes });

let resumed = false;
router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.signedIn.value && !resumed) {
    resumed = true;
    await session.resume(); // a refresh cookie survives a page reload
  }
  if (!session.signedIn.value) return { path: '/login', query: { redirect: to.fullPath } };
  if (to.meta.role && !session.can(to.meta.role)) return '/dashboard';
  return true;
});
