// Provider events per subscriber (delivered, opened, bounced ...), for the
// console's timeline of one person. Capped, written only while the subscriber
// exists (an erased person's events never come back), erased with them.
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    meridianSubscriberEvent(...args: (string | number)[]): Result<number, Context>;
  }
}

/** Enough for a long series plus newsletters; older events fall off. */
export const EVENTS_KEPT = 200;

const APPEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return 1`;

export interface SubscriberEvent {
  at: string;
  /** The provider's event type, e.g. email.delivered. */
  type: string;
  sequence: string | null;
  step: string | null;
  emailId: string | null;
  detail?: string;
}

export class SubscriberEvents {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    redis.defineCommand('meridianSubscriberEvent', { numberOfKeys: 2, lua: APPEND });
  }

  key(id: string): string {
    return this.keys.scoped('events', id);
  }

  async record(id: string, event: SubscriberEvent): Promise<boolean> {
    return (await this.redis.meridianSubscriberEvent(this.keys.subscriber(id), this.key(id), JSON.stringify(event), EVENTS_KEPT)) === 1;
  }

  async list(id: string): Promise<SubscriberEvent[]> {
    return (await this.redis.lrange(this.key(id), 0, -1)).map((raw) => JSON.parse(raw) as SubscriberEvent);
  }
}
