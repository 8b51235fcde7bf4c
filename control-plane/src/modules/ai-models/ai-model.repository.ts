import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from '@kg/shared';
import { jsonFromColumn } from '../audit/audit.chain';

export const AI_PROVIDERS = ['openai', 'anthropic'] as const;
export const AI_MODEL_TYPES = ['text', 'image', 'audio', 'multimodal', 'embedding'] as const;
export const AI_MODEL_STATUSES = ['active', 'inactive', 'deprecated'] as const;
export type AiProvider = (typeof AI_PROVIDERS)[number];
export type AiModelType = (typeof AI_MODEL_TYPES)[number];
export type AiModelStatus = (typeof AI_MODEL_STATUSES)[number];

/** An AI model as the API shows it: `hasApiKey`, never the key. */
export interface AiModelView {
  id: number;
  name: string;
  displayName: string;
  provider: AiProvider;
  endpointUrl: string;
  modelType: AiModelType;
  inputPricePer1k: number;
  outputPricePer1k: number;
  isDefault: boolean;
  status: AiModelStatus;
  parameters: Record<string, unknown> | null;
  hasApiKey: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Column values of a model row; `apiKeySealed` is already encrypted. */
export type AiModelColumns = Omit<AiModelView, 'id' | 'hasApiKey' | 'createdAt' | 'updatedAt'> & { apiKeySealed: string | null };

const COLUMN_OF: Record<keyof AiModelColumns, string> = {
  name: 'name',
  displayName: 'display_name',
  provider: 'provider',
  endpointUrl: 'endpoint_url',
  modelType: 'model_type',
  inputPricePer1k: 'input_price_per_1k',
  outputPricePer1k: 'output_price_per_1k',
  isDefault: 'is_default',
  status: 'status',
  parameters: 'model_parameters',
  apiKeySealed: 'api_key',
};

function toView(r: RowDataPacket): AiModelView {
  return {
    id: Number(r.id),
    name: r.name,
    displayName: r.display_name,
    provider: r.provider,
    endpointUrl: r.endpoint_url,
    modelType: r.model_type,
    inputPricePer1k: Number(r.input_price_per_1k),
    outputPricePer1k: Number(r.output_price_per_1k),
    isDefault: Number(r.is_default) === 1,
    status: r.status,
    parameters: jsonFromColumn(r.model_parameters) as Record<string, unknown> | null,
    hasApiKey: r.api_key !== null && r.api_key !== '',
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

function toDb(key: keyof AiModelColumns, value: unknown): unknown {
  if (key === 'parameters') return value === null || value === undefined ? null : JSON.stringify(value);
  if (key === 'isDefault') return value ? 1 : 0;
  return value;
}

export async function listAiModels(db: Pool): Promise<AiModelView[]> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT * FROM ai_model_config ORDER BY is_default DESC, name');
  return rows.map(toView);
}

export async function findAiModel(db: Pool | PoolConnection, id: number, forUpdate = false): Promise<AiModelView | null> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT * FROM ai_model_config WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toView(rows[0]) : null;
}

/**
 * Locks every model row in id order. Whoever changes the default takes this lock first, so
 * concurrent "make X the default" requests queue up instead of deadlocking on the unique
 * single-default index (the table holds a handful of rows).
 */
export async function lockAllModels(conn: PoolConnection): Promise<void> {
  await conn.query('SELECT id FROM ai_model_config ORDER BY id FOR UPDATE');
}

/** Clears the default flag of every model but `exceptId` (call before setting a new default). */
export async function clearDefault(conn: PoolConnection, exceptId: number | null): Promise<void> {
  await conn.query('UPDATE ai_model_config SET is_default = 0 WHERE is_default = 1 AND id <> ?', [exceptId ?? 0]);
}

export async function insertAiModel(conn: PoolConnection, m: AiModelColumns): Promise<number> {
  const keys = Object.keys(COLUMN_OF) as Array<keyof AiModelColumns>;
  const [res] = await conn.query<ResultSetHeader>(
    `INSERT INTO ai_model_config (${keys.map((k) => COLUMN_OF[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
    keys.map((k) => toDb(k, m[k])),
  );
  return res.insertId;
}

export async function updateAiModel(conn: PoolConnection, id: number, changes: Partial<AiModelColumns>): Promise<void> {
  const keys = (Object.keys(changes) as Array<keyof AiModelColumns>).filter((k) => changes[k] !== undefined);
  if (!keys.length) return;
  await conn.query(`UPDATE ai_model_config SET ${keys.map((k) => `${COLUMN_OF[k]} = ?`).join(', ')} WHERE id = ?`, [
    ...keys.map((k) => toDb(k, changes[k])),
    id,
  ]);
}

/** A model as the bridge needs it: the view plus its sealed key (never leaves the process). */
export type AiModelRecord = AiModelView & { apiKeySealed: string | null };

/** Active models with their sealed keys, for the AI bridge's model choice. */
export async function listActiveModelRecords(db: Pool): Promise<AiModelRecord[]> {
  const [rows] = await db.query<RowDataPacket[]>("SELECT * FROM ai_model_config WHERE status = 'active' ORDER BY id");
  return rows.map((r) => ({ ...toView(r), apiKeySealed: r.api_key ? String(r.api_key) : null }));
}
