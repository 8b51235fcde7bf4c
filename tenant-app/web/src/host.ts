/**
 * What the browser's host says about the kindergarten: `k001.localhost:3000` is tenant k001 on
 * base domain `localhost:3000` (docs/staff-app.md, "Tenant picker"). A host without a tenant
 * label (the bare domain) has no tenant: the user picks one.
 */
const TENANT_LABEL = /^k\d{3,9}$/;

export function hostTenantCode(host = location.host): string | null {
  const first = host.split('.')[0] ?? '';
  return host.includes('.') && TENANT_LABEL.test(first) ? first : null;
}

/** The base domain with port, e.g. `localhost:3000`. */
export function baseHost(host = location.host): string {
  return hostTenantCode(host) ? host.slice(host.indexOf('.') + 1) : host;
}

/** The staff app's address on a kindergarten's subdomain. */
export function tenantOrigin(tenantCode: string): string {
  return `${location.protocol}//${tenantCode}.${baseHost()}`;
}
