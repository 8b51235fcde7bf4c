import type { Pool, RowDataPacket } from 'mysql2/promise';
import { connect, type MysqlTarget } from './mysql';
import { quoteId } from './identifiers';
import { serverTarget, type DatabaseServerRow } from './tenant-db';

/**
 * Schema drift: how a tenant database differs from the template, read from information_schema,
 * plus how many template migrations it lags behind (docs/provisioning.md, Drift).
 */

/** table -> column -> "COLUMN_TYPE [NULL|NOT NULL]" */
export type SchemaShape = Map<string, Map<string, string>>;

export interface ColumnRef {
  table: string;
  column: string;
}

export interface SchemaDiff {
  missingTables: string[];
  extraTables: string[];
  missingColumns: ColumnRef[];
  extraColumns: ColumnRef[];
  changedColumns: Array<ColumnRef & { expected: string; actual: string }>;
}

export interface TenantDrift extends SchemaDiff {
  tenantCode: string;
  databaseName: string;
  status: string;
  /** tenants.schema_version in the control database. */
  recordedVersion: number | null;
  /** Highest version in the tenant's own schema_migrations (null when it has none). */
  appliedVersion: number | null;
  /** Template version minus applied version. */
  versionLag: number | null;
  inSync: boolean;
  /** Set when the tenant database could not be read (missing, server down). */
  error?: string;
}

export interface DriftReport {
  templateDatabase: string;
  templateVersion: number;
  checkedAt: string;
  tenants: TenantDrift[];
  driftedCount: number;
}

const CHUNK = 200;

/** Reads the column shape of several databases on one server in a few queries. */
export async function readSchemaShapes(target: MysqlTarget, databases: string[]): Promise<Map<string, SchemaShape>> {
  const shapes = new Map<string, SchemaShape>();
  if (databases.length === 0) return shapes;
  const conn = await connect(target);
  try {
    for (let i = 0; i < databases.length; i += CHUNK) {
      const chunk = databases.slice(i, i + CHUNK);
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT c.TABLE_SCHEMA AS db, c.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.COLUMN_TYPE AS type, c.IS_NULLABLE AS nullable
           FROM information_schema.COLUMNS c
           JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
          WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA IN (?)`,
        [chunk],
      );
      for (const r of rows) {
        const databaseName = String(r.db);
        if (!shapes.has(databaseName)) shapes.set(databaseName, new Map());
        const shape = shapes.get(databaseName)!;
        if (!shape.has(r.t)) shape.set(String(r.t), new Map());
        shape.get(String(r.t))!.set(String(r.c), `${r.type}${r.nullable === 'YES' ? ' NULL' : ' NOT NULL'}`);
      }
    }
  } finally {
    await conn.end();
  }
  return shapes;
}

/** Highest schema_migrations version of each database (absent when the table is missing). */
export async function readAppliedVersions(target: MysqlTarget, databases: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (databases.length === 0) return out;
  const conn = await connect(target);
  try {
    const [have] = await conn.query<RowDataPacket[]>(
      "SELECT TABLE_SCHEMA AS db FROM information_schema.TABLES WHERE TABLE_NAME = 'schema_migrations' AND TABLE_SCHEMA IN (?)",
      [databases],
    );
    const names = have.map((r) => String(r.db));
    for (let i = 0; i < names.length; i += CHUNK) {
      const sql = names
        .slice(i, i + CHUNK)
        .map((databaseName) => `SELECT ${conn.escape(databaseName)} AS db, COALESCE(MAX(version), 0) AS v FROM ${quoteId(databaseName)}.schema_migrations`)
        .join(' UNION ALL ');
      const [rows] = await conn.query<RowDataPacket[]>(sql);
      for (const r of rows) out.set(String(r.db), Number(r.v));
    }
  } finally {
    await conn.end();
  }
  return out;
}

/** Differences of `actual` against `expected` (the template). */
export function diffSchemas(expected: SchemaShape, actual: SchemaShape): SchemaDiff {
  const diff: SchemaDiff = { missingTables: [], extraTables: [], missingColumns: [], extraColumns: [], changedColumns: [] };
  for (const [table, cols] of expected) {
    const have = actual.get(table);
    if (!have) {
      diff.missingTables.push(table);
      continue;
    }
    for (const [column, type] of cols) {
      const got = have.get(column);
      if (got === undefined) diff.missingColumns.push({ table, column });
      else if (got !== type) diff.changedColumns.push({ table, column, expected: type, actual: got });
    }
    for (const column of have.keys()) if (!cols.has(column)) diff.extraColumns.push({ table, column });
  }
  for (const table of actual.keys()) if (!expected.has(table)) diff.extraTables.push(table);
  diff.missingTables.sort();
  diff.extraTables.sort();
  return diff;
}

export interface DriftOptions {
  controlDb: Pool;
  /** Server of the template database (and of tenants without a database_servers row). */
  defaultTarget: MysqlTarget;
  templateDb: string;
  /** Tenant statuses to check; default active and suspended. */
  statuses?: string[];
  tenantCodes?: string[];
  /** How to sign in to a registered server (default: its row's account, serverTarget). */
  targetOf?: (server: DatabaseServerRow) => MysqlTarget;
}

/** A tenant whose database the drift report reads, with its server (null: the default server). */
export interface DriftTenant {
  tenantCode: string;
  databaseName: string;
  status: string;
  schemaVersion: number | null;
  server: DatabaseServerRow | null;
}

/**
 * The shared library's only read of `tenants`: the tenants of the given statuses (optionally only
 * some codes) with the server their database lives on. Both the control plane's drift route and
 * the provisioner's CLI report drift through schemaDriftReport, so both select tenants the same
 * way (docs/provisioning.md, Drift).
 */
export async function listDriftTenants(
  controlDb: Pool,
  filter: { statuses: string[]; tenantCodes?: string[] },
): Promise<DriftTenant[]> {
  const args: unknown[] = [filter.statuses];
  let extra = '';
  if (filter.tenantCodes?.length) {
    extra = ' AND t.tenant_id IN (?)';
    args.push(filter.tenantCodes);
  }
  const [rows] = await controlDb.query<RowDataPacket[]>(
    `SELECT t.tenant_id, t.database_name, t.status, t.schema_version,
            s.id AS s_id, s.name AS s_name, s.host AS s_host, s.port AS s_port, s.username AS s_username, s.secret_ref AS s_secret_ref
       FROM tenants t LEFT JOIN database_servers s ON s.id = t.db_server_id
      WHERE t.status IN (?)${extra}
      ORDER BY t.tenant_id`,
    args,
  );
  return rows.map((r) => ({
    tenantCode: String(r.tenant_id),
    databaseName: String(r.database_name),
    status: String(r.status),
    schemaVersion: r.schema_version === null ? null : Number(r.schema_version),
    server:
      r.s_id === null
        ? null
        : { id: Number(r.s_id), name: r.s_name, host: r.s_host, port: Number(r.s_port), username: r.s_username, secret_ref: r.s_secret_ref },
  }));
}

/** Compares every tenant database (of the given statuses) with the template. */
export async function schemaDriftReport(opts: DriftOptions): Promise<DriftReport> {
  const tenants = await listDriftTenants(opts.controlDb, {
    statuses: opts.statuses ?? ['active', 'suspended'],
    tenantCodes: opts.tenantCodes,
  });
  const templateShape = (await readSchemaShapes(opts.defaultTarget, [opts.templateDb])).get(opts.templateDb) ?? new Map();
  const templateVersion = (await readAppliedVersions(opts.defaultTarget, [opts.templateDb])).get(opts.templateDb) ?? 0;

  // Group tenants by server so each server is read with a few queries whatever the tenant count.
  const groups = new Map<string, { target: MysqlTarget; tenants: DriftTenant[] }>();
  for (const t of tenants) {
    const key = t.server === null ? 'default' : `s${t.server.id}`;
    if (!groups.has(key)) groups.set(key, { target: t.server === null ? opts.defaultTarget : (opts.targetOf ?? serverTarget)(t.server), tenants: [] });
    groups.get(key)!.tenants.push(t);
  }

  const report: TenantDrift[] = [];
  for (const { target, tenants: group } of groups.values()) {
    const names = group.map((t) => t.databaseName);
    let shapes: Map<string, SchemaShape> | undefined;
    let versions: Map<string, number> | undefined;
    let error: string | undefined;
    try {
      shapes = await readSchemaShapes(target, names);
      versions = await readAppliedVersions(target, names);
    } catch (err) {
      error = `cannot read tenant databases: ${(err as Error).message}`;
    }
    for (const t of group) {
      const shape = shapes?.get(t.databaseName);
      const applied = versions?.get(t.databaseName) ?? null;
      const base = {
        tenantCode: t.tenantCode,
        databaseName: t.databaseName,
        status: t.status,
        recordedVersion: t.schemaVersion,
        appliedVersion: applied,
        versionLag: applied === null ? null : templateVersion - applied,
      };
      if (!shape) {
        report.push({
          ...base,
          missingTables: [],
          extraTables: [],
          missingColumns: [],
          extraColumns: [],
          changedColumns: [],
          inSync: false,
          error: error ?? `database ${t.databaseName} does not exist`,
        });
        continue;
      }
      const diff = diffSchemas(templateShape, shape);
      const inSync =
        base.versionLag === 0 &&
        diff.missingTables.length + diff.extraTables.length + diff.missingColumns.length + diff.extraColumns.length +
          diff.changedColumns.length ===
          0;
      report.push({ ...base, ...diff, inSync });
    }
  }
  report.sort((a, b) => a.tenantCode.localeCompare(b.tenantCode));
  return {
    templateDatabase: opts.templateDb,
    templateVersion,
    checkedAt: new Date().toISOString(),
    tenants: report,
    driftedCount: report.filter((t) => !t.inSync).length,
  };
}
