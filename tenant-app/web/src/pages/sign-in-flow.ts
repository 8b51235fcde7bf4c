import type { Router } from 'vue-router';
import { ApiError } from '@kg/web-ui';
import { hostTenantCode } from '../host';
import { session } from '../session';

/**
 * Where a fresh sign-in goes (docs/staff-app.md, "Sign-in on the subdomain"): a one-time password
 * must be changed first; on a kindergarten's subdomain the user enters it when they belong to it;
 * otherwise (bare domain, or not a member here) they pick a kindergarten.
 */
export async function afterSignIn(router: Router, redirect?: string): Promise<void> {
  if (session.state.mustChangePassword) {
    await router.replace('/password');
    return;
  }
  const here = hostTenantCode();
  if (here && session.state.tenants.some((x) => x.tenantCode === here)) {
    try {
      await session.enter(here);
      await router.replace(redirect && redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/dashboard');
      return;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }
  await router.replace('/tenants');
}
