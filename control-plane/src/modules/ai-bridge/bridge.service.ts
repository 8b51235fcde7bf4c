import { randomUUID } from 'node:crypto';
import { AppError, errors } from '@kg/shared';
import type { AppContext } from '../../context';
import { noticeQuotaIfDue } from '../billing/quota-notice.service';
import type { BridgeCaller } from './bridge-caller.service';
import { assertTokenQuota, consumeRate, dayStart, periodKey, periodStart } from './bridge-limits.service';
import { bridgeState } from './bridge.state';
import { callsSince, insertCallLog, preCallState, type CallType } from './call-log.repository';
import { costMicros, microsToDecimal } from './cost';
import { orderCandidates, type ModelCandidate } from './model-choice';
import { assertOutboundAllowed } from './outbound';
import { ProviderError, ProviderErrorCode } from './providers/provider-http';
import type { AiProviderClient, ProviderTarget, ProviderUsage } from './providers/provider.types';

/** A call the bridge accepted: who, what, for which request id, and the models to try in order. */
export interface PreparedCall {
  caller: BridgeCaller;
  callType: CallType;
  requestId: string;
  candidates: ModelCandidate[];
  monthlyTokens: number;
  usedTokens: number;
  period: Date;
  /** The quota period as the token counter keeps it (`YYYY-MM-01`). */
  periodKey: string;
}

export interface BridgeUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** What the tenant was charged for this call. */
  cost: number;
  responseTime: number;
}

/**
 * Everything checked before a provider is called (docs/ai-billing.md, "Charging" and "Limits"):
 * the tenant's rate (429), a request id seen before (409), balance plus credit limit (402), the
 * month's token quota (402), then the models to try. Nothing is charged yet.
 */
export async function prepareCall(
  ctx: AppContext,
  caller: BridgeCaller,
  callType: CallType,
  requestedModel: string | undefined,
  clientRequestId: string | undefined,
): Promise<PreparedCall> {
  const t = caller.tenant;
  const plan = caller.plan;
  // Scoped by tenant: one tenant's ids can never collide with (or probe) another's.
  const requestId = `${t.tenantCode}:${clientRequestId ?? randomUUID()}`;
  const now = new Date();
  const period = periodStart(now);
  const key = periodKey(now);
  const dir = ctx.bridgeDirectory;
  // One round trip: the rate (Redis) and one query run at once; the models and settings usually
  // come from memory (docs/ai-billing.md, "Bridge overhead").
  const rate = consumeRate(ctx, t.tenantCode, plan?.aiRateLimitPerMinute || ctx.config.AI_DEFAULT_RATE_LIMIT_PER_MINUTE);
  const reads = Promise.all([preCallState(ctx.db, t, key, clientRequestId ? requestId : null), dir.activeModels(), dir.tenantModelSettings(t.id)]);
  // Both settle before deciding, so an exceeded rate (429) is still the first refusal.
  const [rated, read] = await Promise.allSettled([rate, reads]);
  if (rated.status === 'rejected') throw rated.reason;
  if (read.status === 'rejected') throw read.reason;
  const [state, models, settings] = read.value;
  // Calls this instance answered a moment ago may not be committed yet: they count as spent.
  const owed = ctx.aiCharges.owedBy(t.tenantCode);
  const usedTokens = state.usedTokens + owed.tokens;
  if (state.seen || (clientRequestId && ctx.aiCharges.holds(requestId))) {
    throw errors.conflict('This request id was used before; it is never charged twice', 'DUPLICATE_REQUEST');
  }
  if (state.availableMicros === null || state.availableMicros - owed.micros <= 0) {
    throw errors.paymentRequired('The AI balance is exhausted (balance plus credit limit); recharge to continue');
  }
  assertTokenQuota(usedTokens, plan?.monthlyAiTokens ?? 0);
  const capped = new Set<number>();
  const withCap = settings.filter((s) => s.enabled && s.dailyCallCap !== null);
  if (withCap.length) {
    const since = dayStart();
    const counts = await Promise.all(withCap.map((s) => callsSince(ctx.db, t.id, s.modelId, since)));
    withCap.forEach((s, i) => counts[i]! >= s.dailyCallCap! && capped.add(s.modelId));
  }
  const candidates = orderCandidates(callType, requestedModel, models, settings, capped);
  if (!candidates.length) throw new AppError('AI_NO_MODEL', 503, 'No AI model is available for this tenant');
  return { caller, callType, requestId, candidates, monthlyTokens: plan?.monthlyAiTokens ?? 0, usedTokens, period, periodKey: key };
}

/** Where and how to call a candidate: its endpoint, its unsealed key and its upstream model name. */
export function providerTarget(ctx: AppContext, c: ModelCandidate): ProviderTarget {
  const upstream = typeof c.parameters.upstreamModel === 'string' ? c.parameters.upstreamModel : c.model.name;
  return { endpointUrl: c.model.endpointUrl, apiKey: c.model.apiKeySealed ? ctx.secrets.open(c.model.apiKeySealed) : null, model: upstream };
}

/**
 * Tries the candidates in order, skipping models whose breaker is open (docs/ai-billing.md,
 * "Model choice"). A provider failure counts against the model's breaker and the next model is
 * tried, as long as `mayFallBack()` (a stream that already sent text cannot switch models).
 */
export async function callWithFallback<T>(
  ctx: AppContext,
  p: PreparedCall,
  fn: (c: ModelCandidate, target: ProviderTarget, client: AiProviderClient) => Promise<T>,
  mayFallBack: () => boolean = () => true,
): Promise<{ candidate: ModelCandidate; result: T; started: number }> {
  const s = bridgeState(ctx);
  let lastError: unknown = null;
  for (const c of p.candidates) {
    if (!s.breakers.tryAcquire(c.model.id)) continue;
    const started = performance.now();
    try {
      await assertOutboundAllowed(ctx, c.model.endpointUrl);
      const result = await fn(c, providerTarget(ctx, c), s.clients[c.model.provider]);
      s.breakers.success(c.model.id);
      return { candidate: c, result, started };
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      if (!(err instanceof ProviderError)) {
        s.breakers.release(c.model.id);
        throw err;
      }
      s.breakers.failure(c.model.id);
      s.metrics.calls.inc({ model: c.model.name, call_type: p.callType, status: 'error' });
      s.metrics.latency.observe({ model: c.model.name, status: 'error' }, seconds);
      await logFailure(ctx, p, c, err, Math.round(seconds * 1000));
      lastError = err;
      if (!mayFallBack()) break;
    }
  }
  if (lastError instanceof ProviderError) {
    // A timeout and a refused connection read the same: answers must not map the network.
    const reason = lastError.code === ProviderErrorCode.Refused ? lastError.code : ProviderErrorCode.Unavailable;
    throw new AppError('AI_UNAVAILABLE', 503, 'The AI service is unavailable, try again shortly', { details: { reason } });
  }
  throw new AppError('AI_UNAVAILABLE', 503, 'Every AI model of this tenant is paused after failures, try again shortly', {
    headers: { 'Retry-After': String(Math.ceil(ctx.config.AI_BREAKER_COOLDOWN_MS / 1000)) },
  });
}

async function logFailure(ctx: AppContext, p: PreparedCall, c: ModelCandidate, err: ProviderError, ms: number): Promise<void> {
  await insertCallLog(ctx.db, {
    tenantId: p.caller.tenant.id,
    userId: String(p.caller.globalUserId),
    modelId: c.model.id,
    // A failed attempt keeps the request id free for the successful one.
    requestId: `${p.requestId}:failed:${randomUUID()}`,
    callType: p.callType,
    inputTokens: 0,
    outputTokens: 0,
    cost: '0.000000',
    responseTimeMs: ms,
    status: err.code === 'AI_PROVIDER_TIMEOUT' ? 'timeout' : 'error',
    errorMessage: err.message,
    userAgent: p.caller.userAgent,
    ipAddress: p.caller.ip,
    metadata: { requestId: p.requestId, upstreamStatus: err.upstreamStatus },
  }).catch((e) => ctx.logger.warn({ err: e }, 'could not log a failed AI call'));
}

/**
 * Hands a finished call to the charge queue and answers its usage at once (docs/ai-billing.md,
 * "When the charge is committed"): the call-log row, the period's token counter and the balance
 * change with its transaction row commit together in one round trip (`logAndCharge`) after the
 * answer has gone out, retried until they land; a request id already logged charges nothing.
 * Once committed: the cost metric and the 80% quota notice.
 */
export function settleCall(
  ctx: AppContext,
  p: PreparedCall,
  c: ModelCandidate,
  usage: ProviderUsage,
  started: number,
  metadata: Record<string, unknown> = {},
): BridgeUsage {
  const responseTime = Math.round(performance.now() - started);
  const micros = costMicros(usage.inputTokens, usage.outputTokens, c.model.inputPricePer1k, c.model.outputPricePer1k);
  const t = p.caller.tenant;
  const m = bridgeState(ctx).metrics;
  ctx.aiCharges.submit({
    micros,
    entry: {
      tenantId: t.id,
      userId: String(p.caller.globalUserId),
      modelId: c.model.id,
      requestId: p.requestId,
      callType: p.callType,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cost: microsToDecimal(micros),
      responseTimeMs: responseTime,
      userAgent: p.caller.userAgent,
      ipAddress: p.caller.ip,
      metadata: Object.keys(metadata).length ? metadata : null,
    },
    charge: { tenantCode: t.tenantCode, description: `AI ${p.callType} (${c.model.name})`, period: p.periodKey },
    onSettled: (s) => {
      if (!s.inserted) return;
      m.cost.inc({ model: c.model.name }, micros / 1_000_000);
      const used = p.usedTokens + usage.inputTokens + usage.outputTokens;
      noticeQuotaIfDue(ctx, t, 'monthly_ai_tokens', used, p.monthlyTokens, p.period).catch((err) =>
        ctx.logger.warn({ err, tenantCode: t.tenantCode }, 'quota notice failed'),
      );
    },
  });
  m.calls.inc({ model: c.model.name, call_type: p.callType, status: 'success' });
  m.latency.observe({ model: c.model.name, status: 'success' }, responseTime / 1000);
  m.tokens.inc({ model: c.model.name, direction: 'input' }, usage.inputTokens);
  m.tokens.inc({ model: c.model.name, direction: 'output' }, usage.outputTokens);
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: usage.inputTokens + usage.outputTokens,
    cost: micros / 1_000_000,
    responseTime,
  };
}
