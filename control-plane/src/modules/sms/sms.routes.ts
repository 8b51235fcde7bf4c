import { Router } from 'express';
import { ok, validate } from '@kg/shared';
import type { AppContext } from '../../context';
import { abuseLimits } from '../../internal/abuse-limits';
import { limitPerIp } from '../../http/middleware/rate-limit';
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
const inboxQuery = z.object({ phone: z.string().trim().min(1, 'is required').max(20) });
const inboxEntry = z
  .object({ phone: z.string(), purpose: z.string(), code: z.string(), sentAt: z.string(), expiresAt: z.string() })
  .openapi('SmsDevInboxEntry');

registry.registerPath({
  method: 'post',
  path: '/api/sms/send-code',
  summary: 'Sends a 6-digit verification code (429 with Retry-After when throttled per phone or client IP)',
  description: 'Answers alike whether or not the phone has an account (docs/security.md, Identifiers).',
  tags: ['sms'],
  request: { body: { content: { 'application/json': { schema: sendCodeBody(/^1[3-9]\d{9}$/) } } } },
  responses: responses(sendCodeResult, [400, 429]),
});
registry.registerPath({
  method: 'get',
  path: '/api/sms/dev-inbox',
  summary: 'Last codes "sent" to one phone by the console SMS provider, newest first (operator; console provider outside production only)',
  tags: ['sms'],
  security: [{ adminBearer: [] }],
  request: { query: inboxQuery },
  responses: responses(z.object({ items: z.array(inboxEntry) }), [401, 403, 404]),
});

/** SMS verification codes (docs/auth.md, "SMS codes"). */
export function smsRoutes(ctx: AppContext): Router {
  const router = Router();
  const body = sendCodeBody(new RegExp(ctx.config.PHONE_PATTERN));
  router.post('/api/sms/send-code', limitPerIp(ctx, 'sendCode'), async (req, res) => {
    const input = validate(body, req.body);
    await abuseLimits(ctx).perAccount('sendCode', input.phone);
    ok(res, await sendSmsCode(ctx, { ...input, ip: clientInfo(req).ip }));
  });
  router.get('/api/sms/dev-inbox', requireAdmin(ctx, 'operator'), async (req, res) => {
    const readInbox = openDevInbox(ctx);
    const { phone } = validate(inboxQuery, req.query);
    ok(res, { items: await readInbox(phone) });
  });
  return router;
}
