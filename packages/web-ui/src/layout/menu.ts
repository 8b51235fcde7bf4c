import type { Role } from '../permission';

/**
 * One entry of the side menu: a route path and an i18n key, shown to the weakest operator `role`
 * that sees it (admin console) or to users holding `permission` (staff app; see AppShell's
 * `allow`). An entry with neither is shown to everyone signed in.
 */
export interface MenuItem {
  path: string;
  labelKey: string;
  role?: Role;
  permission?: string;
}
