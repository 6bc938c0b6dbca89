// The quota-parked alert, shared through Redis so the console (a web process)
// sees what a worker process found: set when a batch is parked because the
// provider's sending quota is exhausted, cleared when a batch goes through.
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';

export interface QuotaParked {
  quota: 'daily' | 'monthly';
  resumeAt: string;
  since: string;
}

export class QuotaAlert {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  private get key(): string {
    return this.keys.scoped('alerts', 'quota-parked');
  }

  async raise(quota: 'daily' | 'monthly', resumeAt: Date, now: number): Promise<void> {
    const value: QuotaParked = { quota, resumeAt: resumeAt.toISOString(), since: new Date(now).toISOString() };
    // Expires on its own a day after the expected reset, in case nothing clears it.
    const ttl = Math.max(60_000, resumeAt.getTime() - now + 86_400_000);
    await this.redis.set(this.key, JSON.stringify(value), 'PX', ttl);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key);
  }

  async current(): Promise<QuotaParked | null> {
    const raw = await this.redis.get(this.key);
    return raw ? (JSON.parse(raw) as QuotaParked) : null;
  }
}
