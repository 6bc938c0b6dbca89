// `npm run worker`: the scheduler tick and the send worker, without the web
// server. Run as many as you like, on as many machines, against one Redis.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config';
import { createLogger, prettyLogs } from '../src/observability/logger';
import { compose } from '../src/runtime/compose';
import { onShutdown } from '../src/runtime/shutdown';
import { startWorkers } from '../src/runtime/workers';
import { ensureDirectoryIndexes } from '../src/subscribers/reindex';

async function main() {
  const config = loadConfigOrExit();
  if (!config.redisUrl && !config.redisCluster) {
    console.error('REDIS_URL is required for `npm run worker` (workers must share the Redis of the web server), or REDIS_CLUSTER_NODES for a Redis Cluster. Example: REDIS_URL=redis://127.0.0.1:6379');
    process.exit(78);
  }
  const logger = createLogger(config.logLevel, { role: 'worker' }, { pretty: prettyLogs(config.env, process.stdout.isTTY) });
  const core = compose(config, { ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}), logger });
  // `--only sender` or `--only scheduler` splits the roles across processes.
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only;
  if (only !== undefined && only !== 'sender' && only !== 'scheduler') {
    console.error(`--only must be "sender" or "scheduler", not ${JSON.stringify(only)}`);
    process.exit(64);
  }
  // Records from before the compact layout are rewritten first: every script reads that layout only.
  await ensureDirectoryIndexes(core.redis, core.keys);
  const workers = await startWorkers(core, { scheduler: only !== 'sender', sender: only !== 'scheduler' });
  logger.info({ transport: core.transport.name, roles: only ?? 'scheduler+sender', heapUsed: process.memoryUsage().heapUsed }, 'workers started');
  onShutdown(logger, async () => {
    await workers.close();
    await core.close();
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
