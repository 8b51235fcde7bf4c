import type { ProvisionerContext } from '../../context';

type Histogram = InstanceType<ProvisionerContext['metrics']['client']['Histogram']>;

const histograms = new WeakMap<ProvisionerContext, Histogram>();

/** `provisioning_step_duration_seconds{step,outcome}` on the worker's /metrics (docs/provisioning.md, The create pipeline). */
export function stepDurations(ctx: ProvisionerContext): Histogram {
  let h = histograms.get(ctx);
  if (!h) {
    h = new ctx.metrics.client.Histogram({
      name: 'provisioning_step_duration_seconds',
      help: 'Duration of each tenant create pipeline step attempt, by step and outcome',
      labelNames: ['step', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [ctx.metrics.registry],
    });
    histograms.set(ctx, h);
  }
  return h;
}
