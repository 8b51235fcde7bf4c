import { errors, type Page } from '@kg/shared';
import type { TenantQueries } from '../../internal/db/tenant-db';
import {
  deleteItemRow,
  findItem,
  findPage,
  insertItem,
  rowExists,
  updateItemFields,
  type Item,
  type ListQuery,
} from './crud.repository';
import type { ResourceDef, WriteContext } from './resource';

/** One page of a collection, filtered (the repository's promise, no extra hop). */
export function listItems(db: TenantQueries, def: ResourceDef, query: ListQuery, ctx?: WriteContext): Promise<Page<Item>> {
  return findPage(db, def, query, ctx);
}

/** 404 unless the row exists in this tenant (and in the resource's scope). */
export async function requireItem(db: TenantQueries, def: ResourceDef, id: number, ctx?: WriteContext): Promise<Item> {
  const item = await findItem(db, def, id, ctx);
  if (!item) throw errors.notFound(`${def.name} ${id} does not exist`);
  return item;
}

/** Referenced ids must exist in THIS tenant's database (so ids of another tenant mean nothing). */
export async function checkReferences(db: TenantQueries, def: ResourceDef, data: Record<string, unknown>): Promise<void> {
  const problems: Array<{ field: string; message: string }> = [];
  for (const [field, table] of Object.entries(def.references ?? {})) {
    const v = data[field];
    if (v === undefined || v === null) continue;
    if (!(await rowExists(db, table, v))) problems.push({ field, message: `No ${table} row with id ${String(v)}` });
  }
  if (problems.length) throw errors.validation(problems);
}

/** Creates a row after its references and the resource's own rule were checked; answers the stored item. */
export async function createItem(
  db: TenantQueries,
  def: ResourceDef,
  data: Record<string, unknown>,
  ctx: WriteContext,
): Promise<Item> {
  await checkReferences(db, def, data);
  await def.validateWrite?.(db, data, ctx);
  const id = await insertItem(db, def, data, def.onCreate?.(ctx));
  return (await findItem(db, def, id, ctx))!;
}

/** Changes the fields given of an existing row (404 otherwise); answers the stored item. */
export async function updateItem(
  db: TenantQueries,
  def: ResourceDef,
  id: number,
  data: Record<string, unknown>,
  ctx: WriteContext,
): Promise<Item> {
  await requireItem(db, def, id, ctx);
  await checkReferences(db, def, data);
  await def.validateWrite?.(db, data, { ...ctx, id });
  await updateItemFields(db, def, id, data);
  return (await findItem(db, def, id, ctx))!;
}

/** Deletes a row; 404 when it does not exist (or is outside the resource's scope). */
export async function deleteItem(db: TenantQueries, def: ResourceDef, id: number, ctx?: WriteContext): Promise<void> {
  if (!(await deleteItemRow(db, def, id, ctx))) throw errors.notFound(`${def.name} ${id} does not exist`);
}
