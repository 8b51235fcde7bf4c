import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { AppContext } from '../../context';
import { CircuitBreakers, type BreakerState } from './circuit-breaker';
import { providerClients } from './providers/provider.factory';
import type { AiProviderClient } from './providers/provider.types';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** What the bridge keeps per process: provider clients, breakers, rate limiters and metrics. */
export interface BridgeState {
  clients: Record<'openai' | 'anthropic', AiProviderClient>;
  breakers: CircuitBreakers;
  /** The Redis rate limiter for a given per-minute rate (one per distinct plan rate). */
  limiter(perMinute: number): RateLimiterRedis;
  metrics: ReturnType<typeof bridgeMetrics>;
}

function bridgeMetrics(ctx: AppContext) {
  const { client, registry } = ctx.metrics;
  return {
    calls: new client.Counter({ name: 'ai_calls_total', help: 'AI bridge calls by model, call type and status', labelNames: ['model', 'call_type', 'status'] as const, registers: [registry] }),
    tokens: new client.Counter({ name: 'ai_tokens_total', help: 'AI tokens by model and direction', labelNames: ['model', 'direction'] as const, registers: [registry] }),
    cost: new client.Counter({ name: 'ai_cost_total', help: 'AI cost charged to tenants, by model', labelNames: ['model'] as const, registers: [registry] }),
    latency: new client.Histogram({
      name: 'ai_call_duration_seconds',
      help: 'AI provider call latency by model and status',
      labelNames: ['model', 'status'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    breaker: new client.Gauge({ name: 'ai_breaker_state', help: 'Circuit breaker per model: 0 closed, 1 half-open, 2 open', labelNames: ['model'] as const, registers: [registry] }),
  };
}

const states = new WeakMap<AppContext, BridgeState>();

/** The bridge's per-process state, built once per context. */
export function bridgeState(ctx: AppContext): BridgeState {
  let s = states.get(ctx);
  if (s) return s;
  const metrics = bridgeMetrics(ctx);
  const limiters = new Map<number, RateLimiterRedis>();
  s = {
    clients: providerClients({
      timeoutMs: ctx.config.AI_PROVIDER_TIMEOUT_MS,
      maxRetries: ctx.config.AI_PROVIDER_MAX_RETRIES,
      backoffMs: ctx.config.AI_PROVIDER_BACKOFF_MS,
    }),
    breakers: new CircuitBreakers(ctx.config.AI_BREAKER_FAILURES, ctx.config.AI_BREAKER_COOLDOWN_MS, (modelId, state) =>
      metrics.breaker.set({ model: String(modelId) }, BREAKER_VALUE[state]),
    ),
    limiter(perMinute) {
      let l = limiters.get(perMinute);
      if (!l) {
        // Shared by every instance through Redis; the key names the rate so a plan change starts a fresh window.
        l = new RateLimiterRedis({ storeClient: ctx.redis, keyPrefix: ctx.key(`ai-rate:${perMinute}`), points: perMinute, duration: 60 });
        limiters.set(perMinute, l);
      }
      return l;
    },
    metrics,
  };
  states.set(ctx, s);
  return s;
}
