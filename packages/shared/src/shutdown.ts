import cluster from 'node:cluster';
import type { Logger } from 'pino';

type Step = { name: string; run: () => Promise<unknown> };

/**
 * A cluster worker (PM2 cluster mode) stays a moment after its shutdown before exiting: the
 * cluster master may have handed it a connection just before the server's close reached it.
 * Alive, the worker refuses it and the master gives it to another worker; gone, the master never
 * hears back and the client waits until it times out (seen once in a PM2 reload under load).
 */
const CLUSTER_EXIT_LINGER_MS = 250;

/**
 * One shutdown path per process: on SIGTERM/SIGINT run the registered steps in order
 * (stop accepting, finish in-flight work, close workers, pools and Redis), then exit.
 */
export function createShutdown(logger: Logger, timeoutMs = 25_000) {
  const steps: Step[] = [];
  let running: Promise<void> | undefined;

  async function shutdown(reason: string): Promise<void> {
    if (running) return running;
    running = (async () => {
      logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      for (const step of steps) {
        try {
          await step.run();
        } catch (err) {
          logger.warn({ err, step: step.name }, 'shutdown step failed');
        }
      }
      logger.info('shutdown complete');
    })();
    return running;
  }

  return {
    add(name: string, run: () => Promise<unknown>) {
      steps.push({ name, run });
    },
    shutdown,
    /** Installs signal handlers that shut down and exit. */
    installSignalHandlers() {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        process.once(sig, () => {
          void shutdown(sig).then(() => setTimeout(() => process.exit(0), cluster.isWorker ? CLUSTER_EXIT_LINGER_MS : 0));
        });
      }
    },
  };
}
