import { z } from '../../http/openapi';
import { f, fieldsOf, itemSchema } from '../crud/fields';
import type { ResourceDef } from '../crud/resource';

const fields = fieldsOf(['userId', 'title', 'model', 'systemPrompt', 'status', 'messageCount', 'totalTokens', 'lastMessageAt']);

/** /api/ai/conversations: the signed-in user's own AI assistant conversations. */
export const conversationResource: ResourceDef = {
  path: '/api/ai/conversations',
  table: 'ai_conversations',
  permission: 'ai',
  name: 'AiConversation',
  fields,
  create: z
    .object({
      title: z.string().trim().max(200).optional(),
      model: f.optText(100).optional(),
      systemPrompt: f.optText(10_000).optional(),
      status: z.enum(['active', 'archived']).optional(),
    })
    .openapi('AiConversationInput'),
  item: itemSchema('AiConversation', fields),
  filters: { status: { column: 'status', schema: z.enum(['active', 'archived']) } },
  search: ['title'],
  orderBy: '`updated_at` DESC, `id` DESC',
  // Conversations are private to their owner, even from other members of the tenant.
  scope: (ctx) => ({ where: '`user_id` = ?', args: [ctx.userId] }),
  onCreate: (ctx) => ({ user_id: ctx.userId }),
};

export const messageFields = fieldsOf(['conversationId', 'role', 'content', 'tokens', 'model', 'requestId', 'finishReason'], ['createdAt']);
export const messageItem = itemSchema('AiMessage', messageFields);
export const messageInput = z
  .object({
    content: f.text(20_000),
    model: f.text(100).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: f.int(1, 32_000).optional(),
    /**
     * Chosen by the client once per message and sent again when it retries that message: the
     * retry then gets the stored answer and the tenant is never charged twice.
     */
    clientMessageId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._:-]+$/, 'may contain letters, digits and . _ : -')
      .optional()
      .openapi({ description: 'Idempotency key of this message: a retry with the same id is answered from what was stored, never charged again' }),
  })
  .openapi('AiMessageInput');
