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
  path: '/api/ai/conversations/{id}/messages/stream',
  summary: 'Ask the assistant with the answer streamed as server-sent events ({type:"delta",content} ..., then {type:"done",question,answer,usage} or {type:"error"}); both messages stored at the end (ai:write)',
  request: { headers: tenantHeaders, params, body: { content: { 'application/json': { schema: messageInput } } } },
  responses: responses(z.string().openapi({ description: 'text/event-stream' }), 200, {
    402: 'The tenant AI balance is exhausted (from the bridge)',
    429: 'AI rate limit (from the bridge), with Retry-After',
    503: 'AI_UNAVAILABLE',
  }),
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
  // The same question with the answer streamed as server-sent events (docs/staff-app.md): a
  // refusal before the first piece is an ordinary JSON error; afterwards the events say it.
  router.post('/api/ai/conversations/:id/messages/stream', requirePermission('ai', 'write'), async (req, res) => {
    const input = validate(messageInput, req.body);
    const auth = req.auth!;
    const open = () => {
      if (res.headersSent) return;
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
    };
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    try {
      const out = await ask(
        req.tenantDb!,
        ctx.aiBridge,
        { userId: auth.user.id, token: auth.token, tenantCode: req.tenant!.tenantCode },
        idOf(req),
        input,
        (content) => {
          open();
          send({ type: 'delta', content });
        },
      );
      open();
      send({ type: 'done', ...out });
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      const e = err as { code?: string; message?: string };
      send({ type: 'error', error: { code: e.code ?? 'AI_UNAVAILABLE', message: 'The AI assistant is unavailable, try again shortly' } });
      res.end();
    }
  });
  return router;
}
