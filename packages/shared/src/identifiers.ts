/**
 * SQL identifiers (database names) are never built from unchecked input (docs/control-plane.md,
 * "Identifiers"). Tenant codes are checked against a strict pattern before they become names.
 */
const DB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * A tenant code: `k` and 3 to 9 digits (docs/security.md, Identifiers). The upper bound keeps
 * every code's number exact in any arithmetic and its database name short.
 */
export const TENANT_CODE_PATTERN = /^k\d{3,9}$/;
export const TENANT_CODE_MAX_DIGITS = 9;

/** Returns the name unchanged if it is a safe database identifier, else throws. */
export function assertDbName(name: string): string {
  if (!DB_NAME.test(name)) throw new Error(`Unsafe database name: ${JSON.stringify(name)}`);
  return name;
}

/** Backtick-quotes a validated identifier. */
export function quoteId(name: string): string {
  return '`' + assertDbName(name) + '`';
}

/** True when `tenantCode` is a tenant code such as k001 (exactly: lower case, no spaces). */
export function isTenantCode(tenantCode: string): boolean {
  return TENANT_CODE_PATTERN.test(tenantCode);
}

/** The tenant code a client meant (trimmed, lower-cased), or undefined when it is not one. */
export function normalizeTenantCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const tenantCode = raw.trim().toLowerCase();
  return isTenantCode(tenantCode) ? tenantCode : undefined;
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
