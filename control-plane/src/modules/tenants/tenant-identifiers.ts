import { isTenantCode, normalizeTenantCode, tenantDatabaseName, type Connection } from '@kg/shared';
import { listTenantIdentifiers, type TenantIdentifiers } from './tenant.repository';

export interface IdentifierProblem {
  tenantCode: string;
  status: string;
  problems: string[];
}

/**
 * What is wrong with a tenant row under today's rules (docs/security.md, Identifiers): the code
 * must be `^k\d{3,9}$` exactly (lower case), the domain `{code}.{BASE_DOMAIN}` and the database
 * `{TENANT_DB_PREFIX}{digits}`. Rows written before these rules may break them; the create
 * pipeline ignores such rows when it allocates a code, and this report names them.
 */
export function identifierProblems(row: TenantIdentifiers, settings: { BASE_DOMAIN: string; TENANT_DB_PREFIX: string }): string[] {
  const problems: string[] = [];
  const code = row.tenantCode;
  if (!isTenantCode(code)) {
    problems.push(
      isTenantCode(code.trim().toLowerCase())
        ? 'code is not in lower case or has spaces'
        : /^k\d+$/i.test(code.trim())
          ? `code has ${code.trim().length - 1} digits (3 to 9 allowed)`
          : 'code is not k followed by digits',
    );
  }
  const expectedDomain = `${code.toLowerCase()}.${settings.BASE_DOMAIN}`;
  if (row.domain !== expectedDomain) problems.push(`domain ${row.domain} is not ${expectedDomain}`);
  // A code that cannot name a database (too long, not digits) is reported above already.
  const meant = normalizeTenantCode(code);
  if (meant) {
    const expectedDatabase = tenantDatabaseName(meant, settings.TENANT_DB_PREFIX);
    if (row.databaseName !== expectedDatabase) problems.push(`database ${row.databaseName} is not ${expectedDatabase}`);
  }
  return problems;
}

/** Every tenant row that breaks today's identifier rules, with its problems. */
export async function checkTenantIdentifiers(
  db: Connection,
  settings: { BASE_DOMAIN: string; TENANT_DB_PREFIX: string },
): Promise<{ checked: number; violations: IdentifierProblem[] }> {
  const rows = await listTenantIdentifiers(db);
  const violations: IdentifierProblem[] = [];
  for (const row of rows) {
    const problems = identifierProblems(row, settings);
    if (problems.length) violations.push({ tenantCode: row.tenantCode, status: row.status, problems });
  }
  return { checked: rows.length, violations };
}
