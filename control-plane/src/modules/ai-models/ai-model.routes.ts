import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { auditActor } from '../audit/audit.http';
import { AI_MODEL_STATUSES, AI_MODEL_TYPES, AI_PROVIDERS } from './ai-model.repository';
import { createAiModel, listAiModelViews, updateAiModelById } from './ai-model.service';

const modelSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    displayName: z.string(),
    provider: z.enum(AI_PROVIDERS),
    endpointUrl: z.string(),
    modelType: z.enum(AI_MODEL_TYPES),
    inputPricePer1k: z.number(),
    outputPricePer1k: z.number(),
    isDefault: z.boolean(),
    status: z.enum(AI_MODEL_STATUSES),
    parameters: z.record(z.string(), z.unknown()).nullable(),
    hasApiKey: z.boolean().openapi({ description: 'Whether a key is stored; the key itself is never returned' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AiModel');

const price = z.number().min(0).max(1_000_000);

const fields = {
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._:\/-]+$/, 'may contain letters, digits and . _ : / -'),
  displayName: z.string().trim().min(1).max(200),
  provider: z.enum(AI_PROVIDERS),
  endpointUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500),
  apiKey: z.string().min(1).max(4000).nullable().openapi({ description: 'Stored encrypted; write-only' }),
  modelType: z.enum(AI_MODEL_TYPES),
  inputPricePer1k: price,
  outputPricePer1k: price,
  isDefault: z.boolean(),
  status: z.enum(AI_MODEL_STATUSES),
  parameters: z.record(z.string(), z.unknown()).nullable(),
};

const createBody = z
  .object({
    ...fields,
    apiKey: fields.apiKey.optional(),
    modelType: fields.modelType.default('text'),
    inputPricePer1k: price.default(0),
    outputPricePer1k: price.default(0),
    isDefault: fields.isDefault.default(false),
    status: fields.status.default('active'),
    parameters: fields.parameters.default(null),
  })
  .refine((b) => !b.isDefault || b.status === 'active', { message: 'the default model must be active', path: ['isDefault'] });

const updateBody = z
  .object(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });

const idParams = z.object({ id: z.coerce.number().int().positive() });

registry.registerPath({
  method: 'get',
  path: '/api/ai/models',
  summary: 'AI models (operator); API keys are never returned',
  tags: ['ai'],
  security: [{ adminBearer: [] }],
  responses: responses(z.object({ items: z.array(modelSchema) }), [401, 403]),
});
registry.registerPath({
  method: 'post',
  path: '/api/ai/models',
  summary: 'Adds an AI model (super_admin); the API key is stored encrypted',
  tags: ['ai'],
  security: [{ adminBearer: [] }],
  request: { body: { content: { 'application/json': { schema: createBody } } } },
  responses: responses(modelSchema, [400, 401, 403, 409], 201),
});
registry.registerPath({
  method: 'patch',
  path: '/api/ai/models/{id}',
  summary: 'Changes an AI model (super_admin); apiKey null removes the key; one default at a time',
  tags: ['ai'],
  security: [{ adminBearer: [] }],
  request: { params: idParams, body: { content: { 'application/json': { schema: updateBody } } } },
  responses: responses(modelSchema, [400, 401, 403, 404, 409]),
});

/** AI model configuration: super admins manage, operators read. */
export function aiModelRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/api/ai/models', requireAdmin(ctx, 'operator'), async (_req, res) => {
    ok(res, { items: await listAiModelViews(ctx) });
  });
  router.post('/api/ai/models', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const body = validate(createBody, req.body);
    ok(res, await createAiModel(ctx, auditActor(req), body), 201);
  });
  router.patch('/api/ai/models/:id', requireAdmin(ctx, 'super_admin'), async (req, res) => {
    const { id } = validate(idParams, req.params);
    ok(res, await updateAiModelById(ctx, auditActor(req), id, validate(updateBody, req.body)));
  });
  return router;
}
