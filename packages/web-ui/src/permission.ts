import type { Directive } from 'vue';

/** Operator roles, weakest first (docs/console.md, Roles). */
export const ROLES = ['operator', 'admin', 'super_admin'] as const;
export type Role = (typeof ROLES)[number];

const rank = (r: Role) => ROLES.indexOf(r);

/** True when `role` is at least `min`. */
export function hasRole(role: Role | null, min: Role): boolean {
  return role !== null && rank(role) >= rank(min);
}

/**
 * `v-role="'admin'"`: removes the element when the signed-in role is weaker. The API refuses the
 * action anyway; this only keeps the page from offering it.
 */
export function roleDirective(currentRole: () => Role | null): Directive<HTMLElement, Role> {
  return {
    mounted(el, binding) {
      if (!hasRole(currentRole(), binding.value)) el.remove();
    },
  };
}
