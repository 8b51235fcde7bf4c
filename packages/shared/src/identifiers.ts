/**
 * SQL identifiers (database names) are never built from unchecked input (STYLE §6).
 * Tenant codes are validated against a strict pattern before they are turned into names.
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

/** True when `code` is a tenant code such as k001 (exactly: lower case, no spaces). */
export function isTenantCode(code: string): boolean {
  return TENANT_CODE_PATTERN.test(code);
}

/** The tenant code a client meant (trimmed, lower-cased), or undefined when it is not one. */
export function normalizeTenantCode(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const code = raw.trim().toLowerCase();
  return isTenantCode(code) ? code : undefined;
}

/** Tenant code k001 -> database rent001 (digits carried over, SPEC §2). */
export function tenantDatabaseName(code: string): string {
  if (!isTenantCode(code)) throw new Error(`Invalid tenant code: ${JSON.stringify(code)}`);
  return assertDbName(`rent${code.slice(1)}`);
}
