import type { Logger } from 'pino';

type Step = { name: string; run: () => Promise<unknown> };

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
          void shutdown(sig).then(() => process.exit(0));
        });
      }
    },
  };
}
