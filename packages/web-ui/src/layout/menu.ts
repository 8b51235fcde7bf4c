import type { Role } from '../permission';

/** One entry of the side menu: a route path, an i18n key and the weakest role that sees it. */
export interface MenuItem {
  path: string;
  labelKey: string;
  role: Role;
}
