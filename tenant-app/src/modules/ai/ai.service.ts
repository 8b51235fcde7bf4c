import crypto from 'node:crypto';
import { errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import type { AiBridgeClient, ChatMessage, ChatUsage } from './ai.bridge-client';
import { conversationResource } from './ai.resource';
import { findExchangeByRequestId, findMessagePair, findMessages, findRecentExchange, insertAnswer, insertQuestion, recordExchange } from './ai.repository';

/** How many earlier messages are sent to the model as context. */
const HISTORY = 20;

/** The messages of one of the user's own conversations (404 for anyone else's). */
export async function listMessages(db: TenantDb, conversationId: number, userId: number): Promise<Item[]> {
  await requireItem(db, conversationResource, conversationId, { userId });
  return findMessages(db, conversationId);
}

export interface AskInput {
  content: string;
  model?: string;
  temperature?: number;
  maxTokens?: number;
  clientMessageId?: string;
}

/**
 * The bridge request id of one user message (docs/ai-billing.md, "Charging"): derived from the
 * client's message id when it sent one, so a retried message carries the same id and the bridge
 * never charges it twice; else a fresh id for this message. The user and conversation are part
 * of the hash, so two users choosing the same client id never collide in the tenant.
 */
export function messageRequestId(userId: number, conversationId: number, clientMessageId?: string): string {
  if (!clientMessageId) return `msg-${crypto.randomUUID()}`;
  return `msg-${crypto.createHash('sha256').update(`${userId}:${conversationId}:${clientMessageId}`).digest('hex').slice(0, 40)}`;
}

/**
 * Asks the AI assistant inside a conversation: the conversation's system prompt and recent
 * messages plus the question go to the control plane's AI bridge with the user's own token
 * (the bridge bills the tenant and rate-limits); the question and the answer are stored in the
 * tenant database together, only once the bridge has answered. Each message has one bridge
 * request id; a retry of a message already answered gets the stored pair (`replayed`) without
 * another call, and one the bridge charged but this app did not store gets the bridge's 409.
 */
export async function ask(
  db: TenantDb,
  bridge: AiBridgeClient,
  who: { userId: number; token: string; tenantCode: string },
  conversationId: number,
  input: AskInput,
  /** When given, the answer is streamed: each piece goes here as the bridge sends it. */
  onDelta?: (content: string) => void,
): Promise<{ question: Item; answer: Item; usage: ChatUsage; replayed: boolean }> {
  const conversation = await requireItem(db, conversationResource, conversationId, { userId: who.userId });
  if (conversation.status !== 'active') throw errors.conflict('This conversation is archived');
  const requestId = messageRequestId(who.userId, conversationId, input.clientMessageId);
  const stored = input.clientMessageId ? await findExchangeByRequestId(db, conversationId, requestId) : null;
  if (stored) {
    const [q, a] = stored;
    const usage = { inputTokens: Number(q.tokens), outputTokens: Number(a.tokens), totalTokens: Number(q.tokens) + Number(a.tokens) };
    return { question: q, answer: a, usage, replayed: true };
  }
  const history = await findRecentExchange(db, conversationId, HISTORY);
  const chat: ChatMessage[] = [];
  if (conversation.systemPrompt) chat.push({ role: 'system', content: String(conversation.systemPrompt) });
  chat.push(...history);
  chat.push({ role: 'user', content: input.content });
  const model = input.model ?? (conversation.model ? String(conversation.model) : undefined);
  const call = {
    token: who.token,
    tenantCode: who.tenantCode,
    requestId,
    body: { model, messages: chat, temperature: input.temperature, max_tokens: input.maxTokens },
  };
  const answer = onDelta ? await bridge.chatStream(call, onDelta) : await bridge.chat(call);
  const ids = await db.transaction(async (tx) => {
    const q = await insertQuestion(tx, conversationId, { content: input.content, tokens: answer.usage.inputTokens, requestId });
    const a = await insertAnswer(tx, conversationId, {
      content: answer.message,
      tokens: answer.usage.outputTokens,
      model: answer.model,
      requestId,
    });
    await recordExchange(tx, conversationId, { totalTokens: answer.usage.totalTokens, question: input.content, model: answer.model });
    return { q, a };
  });
  const [question, storedAnswer] = await findMessagePair(db, ids.q, ids.a);
  return { question, answer: storedAnswer, usage: answer.usage, replayed: false };
}
