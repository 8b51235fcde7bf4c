/**
 * SQL identifiers (database names) are never built from unchecked input (docs/control-plane.md,
 * "Identifiers"). Tenant codes are checked against a strict pattern before they become names.
 */
const DB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const TENANT_CODE_PATTERN = /^k\d{3,}$/;

/** Returns the name unchanged if it is a safe database identifier, else throws. */
export function assertDbName(name: string): string {
  if (!DB_NAME.test(name)) throw new Error(`Unsafe database name: ${JSON.stringify(name)}`);
  return name;
}

/** Backtick-quotes a validated identifier. */
export function quoteId(name: string): string {
  return '`' + assertDbName(name) + '`';
}

/** True when `tenantCode` is a tenant code such as k001. */
export function isTenantCode(tenantCode: string): boolean {
  return TENANT_CODE_PATTERN.test(tenantCode);
}

/**
 * The database name of a tenant: `prefix` (the control plane's TENANT_DB_PREFIX, `rent` by
 * default) followed by the code's digits, so k001 -> rent001. The one place this is derived;
 * throws for anything that is not a tenant code or does not make a safe name.
 */
export function tenantDatabaseName(tenantCode: string, prefix: string): string {
  if (!isTenantCode(tenantCode)) throw new Error(`Invalid tenant code: ${JSON.stringify(tenantCode)}`);
  return assertDbName(`${prefix}${tenantCode.slice(1)}`);
}
