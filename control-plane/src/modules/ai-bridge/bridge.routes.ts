import { Router, type Request, type Response } from 'express';
import { AppError, ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { clientInfo, requireUser } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { resolveBridgeCaller } from './bridge-caller.service';
import { bridgeChat, bridgeChatStream, bridgeEmbed, bridgeModels } from './bridge-calls.service';

const modelName = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:\/-]+$/, 'may contain letters, digits and . _ : / -');
const requestId = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, 'may contain letters, digits and . _ : -');
const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(100_000) });
const common = {
  model: modelName.optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(32_768).optional(),
  maxTokens: z.number().int().min(1).max(32_768).optional(),
  requestId: requestId.optional().openapi({ description: 'Idempotency key: a repeated id answers 409 and is never charged twice' }),
};
export const chatBody = z.object({ ...common, messages: z.array(message).min(1).max(200), stream: z.boolean().optional() }).openapi('AiChatRequest');
const completionBody = z.object({ ...common, prompt: z.string().min(1).max(100_000) }).openapi('AiCompletionRequest');
const embeddingBody = z
  .object({ model: modelName.optional(), input: z.union([z.string().min(1).max(100_000), z.array(z.string().min(1).max(100_000)).min(1).max(256)]), requestId: requestId.optional() })
  .openapi('AiEmbeddingRequest');
const tenantHeader = z.object({ 'x-tenant-code': z.string().optional().openapi({ description: 'Tenant, when the token is not tenant-scoped' }) });
const usage = z.object({ inputTokens: z.number(), outputTokens: z.number(), totalTokens: z.number(), cost: z.number(), responseTime: z.number() }).openapi('AiUsage');
const chatAnswer = z.object({ message: z.string(), model: z.string(), requestId: z.string(), usage }).openapi('AiChatAnswer');

const errorsOfCall = [400, 401, 402, 403, 409, 410, 429, 503];
registry.registerPath({
  method: 'post',
  path: '/api/v1/ai/bridge/chat',
  summary: 'Chat through the tenant\'s models; with stream: true, server-sent events ({type:"delta"} ... {type:"done"}, then [DONE])',
  tags: ['ai-bridge'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeader, body: { content: { 'application/json': { schema: chatBody } } } },
  responses: responses(chatAnswer, errorsOfCall),
});
registry.registerPath({
  method: 'post',
  path: '/api/v1/ai/bridge/completion',
  summary: 'Completes a prompt (one user message)',
  tags: ['ai-bridge'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeader, body: { content: { 'application/json': { schema: completionBody } } } },
  responses: responses(chatAnswer, errorsOfCall),
});
registry.registerPath({
  method: 'post',
  path: '/api/v1/ai/bridge/embedding',
  summary: 'Embeds one text or a list of texts',
  tags: ['ai-bridge'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeader, body: { content: { 'application/json': { schema: embeddingBody } } } },
  responses: responses(z.object({ embeddings: z.array(z.array(z.number())), model: z.string(), requestId: z.string(), usage }), errorsOfCall),
});
registry.registerPath({
  method: 'get',
  path: '/api/v1/ai/bridge/models',
  summary: 'Models the tenant\'s calls may use, in the order they are tried',
  tags: ['ai-bridge'],
  security: [{ userBearer: [] }],
  request: { headers: tenantHeader },
  responses: responses(z.object({ items: z.array(z.object({ name: z.string(), displayName: z.string(), provider: z.string(), modelType: z.string(), isDefault: z.boolean(), priority: z.number().nullable(), kind: z.enum(['chat', 'embedding']) })) }), [401, 403, 410]),
});

/** The caller of a bridge request (user token, tenant from the token or X-Tenant-Code). */
export function bridgeCaller(ctx: AppContext, req: Request) {
  return resolveBridgeCaller(ctx, req.user!, req.get('x-tenant-code'), clientInfo(req));
}

/** Sends one server-sent event (JSON data). */
export function sendEvent(res: Response, data: unknown): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Starts a server-sent event answer; the AbortSignal fires when the client goes away. */
export function openEventStream(res: Response): AbortSignal {
  const ctl = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ctl.abort();
  });
  return ctl.signal;
}

function startEvents(res: Response) {
  res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  res.flushHeaders();
}

/** Renders an error inside a stream that has already started (the status line was sent). */
export function streamError(err: unknown): { code: string; message: string } {
  return err instanceof AppError ? { code: err.code, message: err.message } : { code: 'INTERNAL_ERROR', message: 'Internal server error' };
}

/** POST /api/v1/ai/bridge/{chat,completion,embedding}, GET /api/v1/ai/bridge/models (docs/ai-billing.md, "The bridge"). */
export function bridgeRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/v1/ai/bridge/chat', requireUser(ctx), async (req, res) => {
    const body = validate(chatBody, req.body);
    const caller = await bridgeCaller(ctx, req);
    const input = { model: body.model, messages: body.messages, temperature: body.temperature, maxTokens: body.maxTokens ?? body.max_tokens, requestId: body.requestId };
    if (!body.stream) return void ok(res, await bridgeChat(ctx, caller, input));
    const signal = openEventStream(res);
    try {
      const answer = await bridgeChatStream(ctx, caller, input, { start: () => startEvents(res), delta: (content) => sendEvent(res, { type: 'delta', content }) }, signal);
      if (signal.aborted) return;
      if (!res.headersSent) startEvents(res);
      sendEvent(res, { type: 'done', model: answer.model, requestId: answer.requestId, usage: answer.usage });
      sendEvent(res, '[DONE]');
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      if (!signal.aborted) {
        sendEvent(res, { type: 'error', error: streamError(err) });
        res.end();
      }
    }
  });
  router.post('/api/v1/ai/bridge/completion', requireUser(ctx), async (req, res) => {
    const body = validate(completionBody, req.body);
    const caller = await bridgeCaller(ctx, req);
    const answer = await bridgeChat(
      ctx,
      caller,
      { model: body.model, messages: [{ role: 'user', content: body.prompt }], temperature: body.temperature, maxTokens: body.maxTokens ?? body.max_tokens, requestId: body.requestId },
      'completion',
    );
    ok(res, { text: answer.message, ...answer });
  });
  router.post('/api/v1/ai/bridge/embedding', requireUser(ctx), async (req, res) => {
    const body = validate(embeddingBody, req.body);
    const caller = await bridgeCaller(ctx, req);
    ok(res, await bridgeEmbed(ctx, caller, { model: body.model, texts: Array.isArray(body.input) ? body.input : [body.input], requestId: body.requestId }));
  });
  router.get('/api/v1/ai/bridge/models', requireUser(ctx), async (req, res) => {
    ok(res, { items: await bridgeModels(ctx, await bridgeCaller(ctx, req)) });
  });
  return router;
}
