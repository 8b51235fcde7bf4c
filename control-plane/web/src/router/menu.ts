import type { MenuItem } from '@kg/web-ui';

/** The side menu; each entry is shown to its role and stronger ones. */
export const MENU: MenuItem[] = [
  { path: '/dashboard', labelKey: 'menu.dashboard', role: 'operator' },
  { path: '/tenants', labelKey: 'menu.tenants', role: 'operator' },
  { path: '/cleanup', labelKey: 'menu.cleanup', role: 'operator' },
  { path: '/users', labelKey: 'menu.users', role: 'operator' },
  { path: '/db-servers', labelKey: 'menu.dbServers', role: 'operator' },
  { path: '/ai-models', labelKey: 'menu.aiModels', role: 'operator' },
  { path: '/plans', labelKey: 'menu.plans', role: 'operator' },
  { path: '/recharge-cards', labelKey: 'menu.rechargeCards', role: 'operator' },
  { path: '/schema', labelKey: 'menu.schema', role: 'operator' },
  { path: '/audit', labelKey: 'menu.audit', role: 'operator' },
  { path: '/admins', labelKey: 'menu.admins', role: 'super_admin' },
  { path: '/sms-inbox', labelKey: 'menu.smsInbox', role: 'operator' },
];
