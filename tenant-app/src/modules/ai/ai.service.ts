import crypto from 'node:crypto';
import { errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import { requireItem, toItem, type Item } from '../crud/crud.repository';
import type { AiBridgeClient, ChatMessage, ChatUsage } from './ai.bridge-client';
import { conversationResource, messageFields } from './ai.resource';

const messages = { fields: messageFields, name: 'message' };
const COLUMNS = Object.values(messageFields).map((c) => `\`${c}\``).join(', ');
/** How many earlier messages are sent to the model as context. */
const HISTORY = 20;

export async function listMessages(db: TenantDb, conversationId: number, userId: number): Promise<Item[]> {
  await requireItem(db, conversationResource, conversationId, { userId });
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('ai_messages')} WHERE conversation_id = ? ORDER BY id`, [conversationId]);
  return rows.map((r) => toItem(messages, r));
}

export interface AskInput {
  content: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
}

/**
 * Asks the AI assistant inside a conversation: the conversation's system prompt and recent
 * messages plus the question go to the control plane's AI bridge with the user's own token
 * (the bridge bills the tenant and rate-limits); the question and the answer are stored in the
 * tenant database together, only once the bridge has answered.
 */
export async function ask(
  db: TenantDb,
  bridge: AiBridgeClient,
  who: { userId: number; token: string; tenantCode: string; requestId?: string },
  conversationId: number,
  input: AskInput,
): Promise<{ question: Item; answer: Item; usage: ChatUsage }> {
  const conversation = await requireItem(db, conversationResource, conversationId, { userId: who.userId });
  if (conversation.status !== 'active') throw errors.conflict('This conversation is archived');
  const history = await db.rows(
    `SELECT role, content FROM ${db.t('ai_messages')} WHERE conversation_id = ? AND role IN ('user', 'assistant') ORDER BY id DESC LIMIT ?`,
    [conversationId, HISTORY],
  );
  const chat: ChatMessage[] = [];
  if (conversation.systemPrompt) chat.push({ role: 'system', content: String(conversation.systemPrompt) });
  for (const m of history.reverse()) chat.push({ role: m.role, content: m.content });
  chat.push({ role: 'user', content: input.content });
  const model = input.model ?? (conversation.model ? String(conversation.model) : undefined);
  const requestId = who.requestId ?? crypto.randomUUID();
  const answer = await bridge.chat({
    token: who.token,
    tenantCode: who.tenantCode,
    requestId,
    body: { model, messages: chat, temperature: input.temperature, max_tokens: input.maxTokens },
  });
  const ids = await db.transaction(async (tx) => {
    const q = await tx.exec(
      `INSERT INTO ${tx.t('ai_messages')} (conversation_id, role, content, tokens, request_id) VALUES (?, 'user', ?, ?, ?)`,
      [conversationId, input.content, answer.usage.inputTokens, requestId],
    );
    const a = await tx.exec(
      `INSERT INTO ${tx.t('ai_messages')} (conversation_id, role, content, tokens, model, request_id, finish_reason) VALUES (?, 'assistant', ?, ?, ?, ?, 'stop')`,
      [conversationId, answer.message, answer.usage.outputTokens, answer.model, requestId],
    );
    await tx.exec(
      `UPDATE ${tx.t('ai_conversations')}
          SET message_count = message_count + 2, total_tokens = total_tokens + ?, last_message_at = CURRENT_TIMESTAMP(3),
              title = IF(title = '', LEFT(?, 200), title), model = COALESCE(model, ?)
        WHERE id = ?`,
      [answer.usage.totalTokens, input.content, answer.model, conversationId],
    );
    return { q: q.insertId, a: a.insertId };
  });
  const rows = await db.rows(`SELECT ${COLUMNS} FROM ${db.t('ai_messages')} WHERE id IN (?, ?) ORDER BY id`, [ids.q, ids.a]);
  return { question: toItem(messages, rows[0]!), answer: toItem(messages, rows[1]!), usage: answer.usage };
}
