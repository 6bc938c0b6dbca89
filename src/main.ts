// `npm start`: the web server and the workers in one process, for a small clinic.
// `npm run web` (--web): the web server alone, with workers run separately.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevelopmentAdmin } from './admin/bootstrap';
import { loadConfigOrExit } from './config';
import { createLogger, prettyLogs } from './observability/logger';
import { compose } from './runtime/compose';
import { resolveRedis } from './runtime/redis-server';
import { onShutdown } from './runtime/shutdown';
import { startWeb } from './runtime/web';
import { startWorkers } from './runtime/workers';
import { ensureDirectoryIndexes } from './subscribers/reindex';

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, {}, { pretty: prettyLogs(config.env, process.stdout.isTTY) });
  // A cluster is never started for you: REDIS_CLUSTER_NODES names one that runs.
  const redis = config.redisCluster ? { url: undefined, embedded: null } : await resolveRedis(config.redisUrl, resolve('.data/redis'), (msg) => logger.info(msg));
  const core = compose(config, { ...(redis.url ? { redisUrl: redis.url } : {}), logger });
  await ensureDevelopmentAdmin(core);
  // Subscribers from before the console's indexes or the compact record: index and rewrite them once
  // (HSCAN, a page at a time) before anything else touches a record, since every script reads the compact layout.
  const reindexed = await ensureDirectoryIndexes(core.redis, core.keys);
  if (reindexed) logger.info(reindexed, 'subscriber records checked and console indexes rebuilt');
  const { values } = parseArgs({ options: { web: { type: 'boolean', default: false } } });
  const workers = values.web ? null : await startWorkers(core, { scheduler: true, sender: true });
  const web = await startWeb(core);
  logger.info(
    { url: config.publicUrl, transport: core.transport.name, outbox: core.transport.name === 'outbox' ? config.outboxDir : undefined },
    `Meridian is running: open ${config.publicUrl}`,
  );
  onShutdown(logger, async () => {
    await web.close();
    await workers?.close();
    await core.close();
    await redis.embedded?.stop();
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
