import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireUser } from '../../http/middleware/auth';
import { registry, z } from '../../http/openapi';
import { bridgeCaller, openEventStream, sendEvent, streamError } from './bridge.routes';
import { bridgeChat, bridgeChatStream, bridgeEmbed, bridgeModels } from './bridge-calls.service';

export const OPENAI_FACE = '/api/v1/ai/openai/v1';

const chatBody = z.object({
  model: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:\/-]+$/).optional(),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(100_000) })).min(1).max(200),
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(32_768).optional(),
  stream: z.boolean().optional(),
});
const embeddingsBody = z.object({
  model: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9._:\/-]+$/).optional(),
  input: z.union([z.string().min(1).max(100_000), z.array(z.string().min(1).max(100_000)).min(1).max(256)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

/** OpenAI's base64 encoding of a vector: little-endian float32s (what the official client asks by default). */
const base64Vector = (v: number[]) => Buffer.from(new Float32Array(v).buffer).toString('base64');

for (const [method, path, summary] of [
  ['post', '/chat/completions', 'OpenAI-compatible chat completions (stream: true gives chat.completion.chunk events and [DONE])'],
  ['post', '/embeddings', 'OpenAI-compatible embeddings'],
  ['get', '/models', 'OpenAI-compatible model list'],
] as const) {
  registry.registerPath({
    method,
    path: `${OPENAI_FACE}${path}`,
    summary: `${summary}; the API key is the tenant user's access token`,
    tags: ['ai-bridge'],
    security: [{ userBearer: [] }],
    responses: { 200: { description: 'OpenAI wire format' }, 401: { description: 'OpenAI error object' } },
  });
}

const TYPE_OF_STATUS: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 402: 'insufficient_quota', 403: 'permission_error', 404: 'not_found_error', 409: 'invalid_request_error', 429: 'rate_limit_error' };

/** Errors in OpenAI's shape (`{ error: { message, type, code } }`), so OpenAI clients read them. */
function openAiErrors(err: unknown, _req: Request, res: Response, next: NextFunction) {
  if (!(err instanceof AppError)) return next(err);
  if (err.headers) res.set(err.headers);
  res.status(err.status).json({ error: { message: err.message, type: TYPE_OF_STATUS[err.status] ?? 'api_error', code: err.code, param: null } });
}

const usageOf = (u: { inputTokens: number; outputTokens: number; totalTokens: number }) => ({
  prompt_tokens: u.inputTokens,
  completion_tokens: u.outputTokens,
  total_tokens: u.totalTokens,
});

/**
 * The bridge in OpenAI's wire protocol at /api/v1/ai/openai/v1 (docs/ai-billing.md, "The
 * OpenAI-compatible face"): same callers, model choice, limits and charging as the bridge. The
 * tenant comes from a tenant-scoped token (the API key) or X-Tenant-Code.
 */
export function openAiFaceRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post(`${OPENAI_FACE}/chat/completions`, requireUser(ctx), async (req, res) => {
    const body = validate(chatBody, req.body);
    const caller = await bridgeCaller(ctx, req);
    const input = { model: body.model, messages: body.messages, temperature: body.temperature, maxTokens: body.max_tokens };
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      const a = await bridgeChat(ctx, caller, input);
      return void res.json({
        id: `chatcmpl-${a.requestId}`,
        object: 'chat.completion',
        created,
        model: a.model,
        choices: [{ index: 0, message: { role: 'assistant', content: a.message }, finish_reason: 'stop', logprobs: null }],
        usage: usageOf(a.usage),
      });
    }
    const signal = openEventStream(res);
    let id = 'chatcmpl-stream';
    let model = '';
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    const start = (m: string) => {
      model = m;
      res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.flushHeaders();
      sendEvent(res, chunk({ role: 'assistant', content: '' }, null));
    };
    try {
      const a = await bridgeChatStream(ctx, caller, input, { start, delta: (content) => sendEvent(res, chunk({ content }, null)) }, signal);
      if (signal.aborted) return;
      id = `chatcmpl-${a.requestId}`;
      if (!res.headersSent) start(a.model);
      sendEvent(res, chunk({}, 'stop'));
      sendEvent(res, { id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(a.usage) });
      sendEvent(res, '[DONE]');
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err;
      if (!signal.aborted) {
        sendEvent(res, { error: streamError(err) });
        res.end();
      }
    }
  });
  router.post(`${OPENAI_FACE}/embeddings`, requireUser(ctx), async (req, res) => {
    const body = validate(embeddingsBody, req.body);
    const a = await bridgeEmbed(ctx, await bridgeCaller(ctx, req), { model: body.model, texts: Array.isArray(body.input) ? body.input : [body.input] });
    res.json({
      object: 'list',
      model: a.model,
      data: a.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? base64Vector(v) : v })),
      usage: { prompt_tokens: a.usage.inputTokens, total_tokens: a.usage.totalTokens },
    });
  });
  router.get(`${OPENAI_FACE}/models`, requireUser(ctx), async (req, res) => {
    const models = await bridgeModels(ctx, await bridgeCaller(ctx, req));
    res.json({ object: 'list', data: [...new Map(models.map((m) => [m.name, { id: m.name, object: 'model', created: 0, owned_by: m.provider }])).values()] });
  });
  router.use(OPENAI_FACE, openAiErrors);
  return router;
}
