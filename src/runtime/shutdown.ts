import type { Logger } from 'pino';

/**
 * Graceful shutdown: the first SIGTERM/SIGINT stops taking work and lets
 * in-flight work finish within the deadline; a second signal exits at once.
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, deadlineMs = 25_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
      return;
    }
    stopping = true;
    logger.info({ signal, deadlineMs }, 'shutting down: finishing in-flight work');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed: exiting with work unfinished (stalled-job detection will retry it)');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    close()
      .then(() => {
        logger.info('shut down cleanly');
        process.exit(0);
      })
      .catch((err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
