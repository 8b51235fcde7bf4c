import type { TenantQueries } from '../../internal/db/tenant-db';
import { toItem, type Item } from '../crud/crud.repository';
import type { ChatMessage } from './ai.bridge-client';
import { messageFields } from './ai.resource';

/** Messages of AI conversations: rows of `ai_messages` (and the conversation's running totals). */
const messages = { fields: messageFields, name: 'message' };
const COLUMNS = Object.values(messageFields).map((c) => `\`${c}\``).join(', ');

/** The messages of a conversation, oldest first. */
export async function findMessages(db: TenantQueries, conversationId: number): Promise<Item[]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('ai_messages')} WHERE conversation_id = ? ORDER BY id`, [conversationId]);
  return rows.map((r) => toItem(messages, r));
}

/** The last `limit` user and assistant messages of a conversation, oldest first. */
export async function findRecentExchange(db: TenantQueries, conversationId: number, limit: number): Promise<ChatMessage[]> {
  const rows = await db.rows(
    `SELECT role, content FROM ${db.t('ai_messages')} WHERE conversation_id = ? AND role IN ('user', 'assistant') ORDER BY id DESC LIMIT ?`,
    [conversationId, limit],
  );
  return rows.reverse().map((m) => ({ role: m.role, content: m.content }));
}

/** Stores the user's question; returns its id. */
export async function insertQuestion(
  tx: TenantQueries,
  conversationId: number,
  q: { content: string; tokens: number; requestId: string },
): Promise<number> {
  const r = await tx.exec(
    `INSERT INTO ${tx.t('ai_messages')} (conversation_id, role, content, tokens, request_id) VALUES (?, 'user', ?, ?, ?)`,
    [conversationId, q.content, q.tokens, q.requestId],
  );
  return r.insertId;
}

/** Stores the assistant's complete answer; returns its id. */
export async function insertAnswer(
  tx: TenantQueries,
  conversationId: number,
  a: { content: string; tokens: number; model: string | null; requestId: string },
): Promise<number> {
  const r = await tx.exec(
    `INSERT INTO ${tx.t('ai_messages')} (conversation_id, role, content, tokens, model, request_id, finish_reason) VALUES (?, 'assistant', ?, ?, ?, ?, 'stop')`,
    [conversationId, a.content, a.tokens, a.model, a.requestId],
  );
  return r.insertId;
}

/** Adds an exchange to the conversation's totals; its first question becomes the title when it has none. */
export async function recordExchange(
  tx: TenantQueries,
  conversationId: number,
  exchange: { totalTokens: number; question: string; model: string | null },
): Promise<void> {
  await tx.exec(
    `UPDATE ${tx.t('ai_conversations')}
        SET message_count = message_count + 2, total_tokens = total_tokens + ?, last_message_at = CURRENT_TIMESTAMP(3),
            title = IF(title = '', LEFT(?, 200), title), model = COALESCE(model, ?)
      WHERE id = ?`,
    [exchange.totalTokens, exchange.question, exchange.model, conversationId],
  );
}

/** The question and answer stored for one bridge request id in a conversation, or null. */
export async function findExchangeByRequestId(db: TenantQueries, conversationId: number, requestId: string): Promise<[Item, Item] | null> {
  const rows = await db.rows(
    `SELECT ${COLUMNS} FROM ${db.t('ai_messages')} WHERE conversation_id = ? AND request_id = ? AND role IN ('user', 'assistant') ORDER BY id`,
    [conversationId, requestId],
  );
  if (rows.length !== 2) return null;
  return [toItem(messages, rows[0]!), toItem(messages, rows[1]!)];
}

/** Two messages by id, in id order. */
export async function findMessagePair(db: TenantQueries, firstId: number, secondId: number): Promise<[Item, Item]> {
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('ai_messages')} WHERE id IN (?, ?) ORDER BY id`, [firstId, secondId]);
  return [toItem(messages, rows[0]!), toItem(messages, rows[1]!)];
}
