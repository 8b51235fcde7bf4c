import crypto from 'node:crypto';
import { errors } from '@kg/shared';
import type { TenantDb } from '../../internal/db/tenant-db';
import type { Item } from '../crud/crud.repository';
import { requireItem } from '../crud/crud.service';
import type { AiBridgeClient, ChatMessage, ChatUsage } from './ai.bridge-client';
import { conversationResource } from './ai.resource';
import { findMessagePair, findMessages, findRecentExchange, insertAnswer, insertQuestion, recordExchange } from './ai.repository';

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
  /** When given, the answer is streamed: each piece goes here as the bridge sends it. */
  onDelta?: (content: string) => void,
): Promise<{ question: Item; answer: Item; usage: ChatUsage }> {
  const conversation = await requireItem(db, conversationResource, conversationId, { userId: who.userId });
  if (conversation.status !== 'active') throw errors.conflict('This conversation is archived');
  const history = await findRecentExchange(db, conversationId, HISTORY);
  const chat: ChatMessage[] = [];
  if (conversation.systemPrompt) chat.push({ role: 'system', content: String(conversation.systemPrompt) });
  chat.push(...history);
  chat.push({ role: 'user', content: input.content });
  const model = input.model ?? (conversation.model ? String(conversation.model) : undefined);
  const requestId = who.requestId ?? crypto.randomUUID();
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
  const [question, stored] = await findMessagePair(db, ids.q, ids.a);
  return { question, answer: stored, usage: answer.usage };
}
