import type { MenuItem } from '@kg/web-ui';

/** The side menu; each entry is shown to users holding its permission in this kindergarten. */
export const MENU: MenuItem[] = [
  { path: '/dashboard', labelKey: 'menu.dashboard' },
  { path: '/classes', labelKey: 'menu.classes', permission: 'classes:read' },
  { path: '/teachers', labelKey: 'menu.teachers', permission: 'teachers:read' },
  { path: '/students', labelKey: 'menu.students', permission: 'students:read' },
  { path: '/parents', labelKey: 'menu.parents', permission: 'parents:read' },
  { path: '/enrollment', labelKey: 'menu.enrollment', permission: 'enrollment:read' },
  { path: '/activities', labelKey: 'menu.activities', permission: 'activities:read' },
  { path: '/notifications', labelKey: 'menu.notifications', permission: 'notifications:read' },
  { path: '/todos', labelKey: 'menu.todos', permission: 'todos:read' },
  { path: '/files', labelKey: 'menu.files', permission: 'files:read' },
  { path: '/ai', labelKey: 'menu.ai', permission: 'ai:read' },
  { path: '/staff', labelKey: 'menu.staff', permission: 'staff:read' },
  { path: '/roles', labelKey: 'menu.roles', permission: 'staff:read' },
  { path: '/billing', labelKey: 'menu.billing', permission: 'system:read' },
  { path: '/usage', labelKey: 'menu.usage', permission: 'system:read' },
  { path: '/account', labelKey: 'menu.account' },
];
