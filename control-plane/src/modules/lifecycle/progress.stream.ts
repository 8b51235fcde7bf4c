import type { Response } from 'express';
import { createRedis, tenantProgressChannel, type Redis, type TenantProgressMessage } from '@kg/shared';
import type { AppContext } from '../../context';
import { getProgress, isFinal, type TenantProgress } from './progress.service';

type Listener = (message: TenantProgressMessage) => void;

/**
 * One Redis subscription per process for the provisioner's step announcements, shared by every
 * open progress stream and closed when the last one ends.
 */
class ProgressHub {
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly ctx: AppContext) {}

  subscribe(tenantCode: string, listener: Listener): () => void {
    if (!this.subscriber) {
      const sub = createRedis(this.ctx.config.REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: null });
      sub.on('error', (err) => this.ctx.logger.warn({ err: err.message }, 'progress subscriber error'));
      sub.on('message', (_channel, raw: string) => {
        let msg: TenantProgressMessage;
        try {
          msg = JSON.parse(raw) as TenantProgressMessage;
        } catch {
          return;
        }
        for (const l of this.listeners.get(msg.tenantCode) ?? []) l(msg);
      });
      sub.subscribe(tenantProgressChannel(this.ctx.config.REDIS_KEY_PREFIX)).catch(() => undefined);
      this.subscriber = sub;
    }
    let set = this.listeners.get(tenantCode);
    if (!set) this.listeners.set(tenantCode, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(tenantCode);
      if (this.listeners.size === 0 && this.subscriber) {
        this.subscriber.disconnect();
        this.subscriber = undefined;
      }
    };
  }
}

const hubs = new WeakMap<AppContext, ProgressHub>();

function hubOf(ctx: AppContext): ProgressHub {
  let hub = hubs.get(ctx);
  if (!hub) hubs.set(ctx, (hub = new ProgressHub(ctx)));
  return hub;
}

const POLL_MS = 2000;
const HEARTBEAT_MS = 15_000;

/**
 * GET /api/tenants/:code/progress/stream: server-sent events. A `progress` event with the full
 * progress on connect and on every step change (announced by any provisioner process through
 * Redis, with a short DB poll as a fallback), then `end` once the tenant is active or failed.
 */
export async function streamProgress(ctx: AppContext, tenantCode: string, res: Response): Promise<void> {
  let last = await getProgress(ctx, tenantCode); // 404 before any event is written
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let lastJson = JSON.stringify(last);
  send('progress', last);

  let closed = false;
  let refreshing = false;
  let again = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    timers.forEach((t) => clearInterval(t));
    unsubscribe();
    res.end();
  };
  const end = (p: TenantProgress) => {
    send('end', { tenantCode, status: p.status });
    finish();
  };
  const refresh = async () => {
    if (closed) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      do {
        again = false;
        const p = await getProgress(ctx, tenantCode);
        const json = JSON.stringify(p);
        if (json !== lastJson) {
          lastJson = json;
          last = p;
          send('progress', p);
        }
        if (isFinal(p)) return end(p);
      } while (again && !closed);
    } catch (err) {
      ctx.logger.warn({ tenant: tenantCode, err: (err as Error).message }, 'progress stream refresh failed');
    } finally {
      refreshing = false;
    }
  };
  if (isFinal(last)) return end(last);
  unsubscribe = hubOf(ctx).subscribe(tenantCode, () => void refresh());
  timers.push(setInterval(() => void refresh(), POLL_MS));
  timers.push(setInterval(() => !closed && res.write(': keep-alive\n\n'), HEARTBEAT_MS));
  // res, not req: a request's 'close' may fire once its (empty) body is read; the response's
  // fires when the client goes away.
  res.on('close', finish);
}
