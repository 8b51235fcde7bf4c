import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { clientInfo, requireAdmin } from '../../http/middleware/auth';
import { registry, responses, z } from '../../http/openapi';
import { SMS_PURPOSES, openDevInbox, sendSmsCode } from './sms.service';

function sendCodeBody(phonePattern: RegExp) {
  return z
    .object({
      phone: z.string().trim().regex(phonePattern, 'must be a valid mobile phone number'),
      purpose: z.enum(SMS_PURPOSES),
    })
    .openapi('SendSmsCodeRequest');
}

const sendCodeResult = z.object({ expiresInSeconds: z.number().int(), resendAfterSeconds: z.number().int() }).openapi('SendSmsCodeResult');
const inboxQuery = z.object({ phone: z.string().trim().max(20).optional() });
const inboxEntry = z
  .object({ phone: z.string(), purpose: z.string(), code: z.string(), sentAt: z.string(), expiresAt: z.string() })
  .openapi('SmsDevInboxEntry');

registry.registerPath({
  method: 'post',
  path: '/api/sms/send-code',
  summary: 'Sends a 6-digit verification code (429 with Retry-After when throttled)',
  tags: ['sms'],
  request: { body: { content: { 'application/json': { schema: sendCodeBody(/^1[3-9]\d{9}$/) } } } },
  responses: responses(sendCodeResult, [400, 429]),
});
registry.registerPath({
  method: 'get',
  path: '/api/sms/dev-inbox',
  summary: 'Last codes "sent" by the console SMS provider, newest first (operator; console provider only)',
  tags: ['sms'],
  security: [{ adminBearer: [] }],
  request: { query: inboxQuery },
  responses: responses(z.object({ items: z.array(inboxEntry) }), [401, 403, 404]),
});

/** SMS verification codes (docs/auth.md, "SMS codes"). */
export function smsRoutes(ctx: AppContext): Router {
  const router = Router();
  const body = sendCodeBody(new RegExp(ctx.config.PHONE_PATTERN));
  router.post('/api/sms/send-code', async (req, res) => {
    const input = validate(body, req.body);
    ok(res, await sendSmsCode(ctx, { ...input, ip: clientInfo(req).ip }));
  });
  router.get('/api/sms/dev-inbox', requireAdmin(ctx, 'operator'), async (req, res) => {
    const readInbox = openDevInbox(ctx);
    const { phone } = validate(inboxQuery, req.query);
    ok(res, { items: await readInbox(phone || undefined) });
  });
  return router;
}
