import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requirePermission } from '../../http/middleware/auth';
import { registry, responses, tenantHeaders, z } from '../../http/openapi';
import { crudRoutes, idOf } from '../crud/crud.routes';
import { conversationResource, messageInput, messageItem } from './ai.resource';
import { ask, listMessages } from './ai.service';

const params = z.object({ id: z.coerce.number().int().positive() });
const common = { tags: ['AiConversation'], security: [{ userBearer: [] }] };
registry.registerPath({
  ...common,
  method: 'get',
  path: '/api/ai/conversations/{id}/messages',
  summary: 'Messages of one of my conversations (ai:read)',
  request: { headers: tenantHeaders, params },
  responses: responses(z.array(messageItem)),
});
registry.registerPath({
  ...common,
  method: 'post',
  path: '/api/ai/conversations/{id}/messages',
  summary: 'Ask the assistant: answered by the control plane AI bridge, both messages stored (ai:write)',
  request: { headers: tenantHeaders, params, body: { content: { 'application/json': { schema: messageInput } } } },
  responses: responses(
    z.object({
      question: messageItem,
      answer: messageItem,
      usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number(), cost: z.number().optional() }),
      replayed: z.boolean().openapi({ description: 'true (status 200) when this clientMessageId was answered before: the stored pair, not charged again' }),
    }),
    201,
    { 402: 'The tenant AI balance is exhausted (from the bridge)', 429: 'AI rate limit (from the bridge), with Retry-After', 503: 'AI_UNAVAILABLE' },
  ),
});

/** /api/ai/conversations (the user's own) and their messages. */
export function aiRoutes(ctx: AppContext): Router {
  const router = crudRoutes(conversationResource);
  router.get('/api/ai/conversations/:id/messages', requirePermission('ai', 'read'), async (req, res) => {
    ok(res, await listMessages(req.tenantDb!, idOf(req), req.auth!.user.id));
  });
  router.post('/api/ai/conversations/:id/messages', requirePermission('ai', 'write'), async (req, res) => {
    const input = validate(messageInput, req.body);
    const auth = req.auth!;
    const out = await ask(
      req.tenantDb!,
      ctx.aiBridge,
      { userId: auth.user.id, token: auth.token, tenantCode: req.tenant!.tenantCode },
      idOf(req),
      input,
    );
    ok(res, out, out.replayed ? 200 : 201);
  });
  return router;
}
