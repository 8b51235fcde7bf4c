import { ErrorCode, errors, type Page } from '@kg/shared';
import type { Row, TenantQueries } from '../../internal/db/tenant-db';
import type { ResourceDef, WriteContext } from './resource';

export type Item = Record<string, unknown>;

type ItemDef = Pick<ResourceDef, 'fields' | 'jsonFields' | 'boolFields'>;
const PLAIN = 0;
const JSON_TEXT = 1;
const BOOL = 2;
/** Per definition, its fields as [field, column, kind] (worked out once, not on every row). */
const mappers = new WeakMap<ItemDef, Array<[string, string, number]>>();

function mapperOf(def: ItemDef): Array<[string, string, number]> {
  let m = mappers.get(def);
  if (!m) {
    m = Object.entries(def.fields).map(([field, column]) => [
      field,
      column,
      def.jsonFields?.includes(field) ? JSON_TEXT : def.boolFields?.includes(field) ? BOOL : PLAIN,
    ]);
    mappers.set(def, m);
  }
  return m;
}

/** Plain object of a row: API field names, dates as ISO strings, JSON columns parsed. */
export function toItem(def: ItemDef, row: Row): Item {
  const out: Item = {};
  for (const [field, column, kind] of mapperOf(def)) {
    let v = fromDb(row[column]);
    if (kind === JSON_TEXT && typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        /* keep the text */
      }
    } else if (kind === BOOL && v !== null && v !== undefined) {
      v = Boolean(Number(v));
    }
    out[field] = v;
  }
  return out;
}

function fromDb(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return v;
}

function toDb(v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

/** API data -> column values (unknown fields were already stripped by zod). */
function toColumns(def: ResourceDef, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    const column = def.fields[field];
    if (!column || value === undefined) continue;
    out[column] = toDb(value);
  }
  return out;
}

const selectLists = new WeakMap<object, string>();

/** The column list of a resource (single-table statements, so columns need no qualifier). */
function selectList(def: ResourceDef): string {
  let list = selectLists.get(def);
  if (!list) {
    list = Object.values(def.fields)
      .map((c) => `\`${c}\``)
      .join(', ');
    selectLists.set(def, list);
  }
  return list;
}

export interface ListQuery {
  page: number;
  pageSize: number;
  q?: string;
  [filter: string]: unknown;
}

/** One page of rows, filtered, newest first by default. */
export async function findPage(db: TenantQueries, def: ResourceDef, query: ListQuery, ctx?: WriteContext): Promise<Page<Item>> {
  const where: string[] = [];
  const args: unknown[] = [];
  const scope = scopeOf(def, ctx);
  if (scope) {
    where.push(scope.where);
    args.push(...scope.args);
  }
  for (const [name, f] of Object.entries(def.filters ?? {})) {
    const v = query[name];
    if (v === undefined) continue;
    const op = f.op === 'gte' ? '>=' : f.op === 'lte' ? '<=' : '=';
    where.push(`\`${f.column}\` ${op} ?`);
    args.push(toDb(v));
  }
  if (query.q && def.search?.length) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    where.push(`(${def.search.map((c) => `\`${c}\` LIKE ?`).join(' OR ')})`);
    args.push(...def.search.map(() => like));
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [countRow] = await db.rows(`SELECT COUNT(*) AS total FROM ${db.t(def.table)} ${whereSql}`, args);
  const rows = await db.rows(
    `SELECT ${selectList(def)} FROM ${db.t(def.table)} ${whereSql} ORDER BY ${def.orderBy ?? '`id` DESC'} LIMIT ? OFFSET ?`,
    [...args, query.pageSize, (query.page - 1) * query.pageSize],
  );
  return {
    items: rows.map((r) => toItem(def, r)),
    total: Number(countRow?.total ?? 0),
    page: query.page,
    pageSize: query.pageSize,
  };
}

function scopeOf(def: ResourceDef, ctx: WriteContext | undefined): { where: string; args: unknown[] } | null {
  if (!def.scope) return null;
  if (!ctx) throw new Error(`${def.name} is scoped and needs the request's user`);
  return def.scope(ctx);
}

/** The row with this id in this tenant (and in the resource's scope), or null. */
export async function findItem(db: TenantQueries, def: ResourceDef, id: number, ctx?: WriteContext): Promise<Item | null> {
  const scope = scopeOf(def, ctx);
  const rows = await db.rows(
    `SELECT ${selectList(def)} FROM ${db.t(def.table)} WHERE id = ?${scope ? ` AND ${scope.where}` : ''}`,
    [id, ...(scope?.args ?? [])],
  );
  return rows[0] ? toItem(def, rows[0]) : null;
}

/** Whether `table` of this tenant has a row with this id. */
export async function rowExists(db: TenantQueries, table: string, id: unknown): Promise<boolean> {
  const rows = await db.rows(`SELECT 1 FROM ${db.t(table)} WHERE id = ? LIMIT 1`, [id]);
  return rows.length > 0;
}

/** Inserts the API data (plus columns the server sets) and returns the new id. */
export async function insertItem(
  db: TenantQueries,
  def: ResourceDef,
  data: Record<string, unknown>,
  serverColumns: Record<string, unknown> = {},
): Promise<number> {
  const values = { ...toColumns(def, data), ...serverColumns };
  const columns = Object.keys(values);
  const res = await mapWriteErrors(def, () =>
    db.exec(
      `INSERT INTO ${db.t(def.table)} (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      Object.values(values),
    ),
  );
  return res.insertId;
}

/** Writes the fields given (none: no statement). */
export async function updateItemFields(db: TenantQueries, def: ResourceDef, id: number, data: Record<string, unknown>): Promise<void> {
  const values = toColumns(def, data);
  const columns = Object.keys(values);
  if (!columns.length) return;
  await mapWriteErrors(def, () =>
    db.exec(`UPDATE ${db.t(def.table)} SET ${columns.map((c) => `\`${c}\` = ?`).join(', ')} WHERE id = ?`, [
      ...Object.values(values),
      id,
    ]),
  );
}

/** Deletes the row (in the resource's scope); false when there was none. */
export async function deleteItemRow(db: TenantQueries, def: ResourceDef, id: number, ctx?: WriteContext): Promise<boolean> {
  const scope = scopeOf(def, ctx);
  const res = await mapWriteErrors(def, () =>
    db.exec(`DELETE FROM ${db.t(def.table)} WHERE id = ?${scope ? ` AND ${scope.where}` : ''}`, [id, ...(scope?.args ?? [])]),
  );
  return res.affectedRows > 0;
}

/** MySQL constraint errors -> 409 / 400 with the field named. */
export async function mapWriteErrors<T>(def: Pick<ResourceDef, 'fields' | 'name'>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: string; sqlMessage?: string };
    const fieldOf = (column: string | undefined) =>
      Object.entries(def.fields).find(([, c]) => c === column)?.[0] ?? column ?? '(body)';
    switch (e.code) {
      case 'ER_DUP_ENTRY':
        throw errors.conflict(`A ${def.name} with these values already exists`, ErrorCode.Conflict, {
          key: /for key '([^']+)'/.exec(e.sqlMessage ?? '')?.[1],
        });
      case 'ER_ROW_IS_REFERENCED_2':
      case 'ER_ROW_IS_REFERENCED':
        throw errors.conflict(`This ${def.name} is still referenced by other records`);
      case 'ER_NO_REFERENCED_ROW_2':
      case 'ER_NO_REFERENCED_ROW': {
        const column = /FOREIGN KEY \(`([^`]+)`\)/.exec(e.sqlMessage ?? '')?.[1];
        throw errors.validation([{ field: fieldOf(column), message: 'Refers to a record that does not exist' }]);
      }
      case 'ER_DATA_TOO_LONG':
      case 'ER_TRUNCATED_WRONG_VALUE':
      case 'WARN_DATA_TRUNCATED':
      case 'ER_WARN_DATA_OUT_OF_RANGE': {
        const column = /column '([^']+)'/.exec(e.sqlMessage ?? '')?.[1];
        throw errors.validation([{ field: fieldOf(column), message: 'Value does not fit the column' }]);
      }
      default:
        throw err;
    }
  }
}
