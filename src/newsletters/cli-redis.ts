// Which Redis the newsletter CLI talks to: the one the running Meridian uses.
// Unlike `npm start`, it never starts a Redis of its own: an issue scheduled
// into a Redis no worker reads would never be sent.
import { redisAnswers } from '../runtime/redis-server';

export async function resolveCliRedis(configuredUrl: string | undefined): Promise<string> {
  if (configuredUrl) return configuredUrl;
  if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  throw new Error('no Redis to talk to: set REDIS_URL to the Redis your Meridian uses, or start Meridian (npm start) first');
}
