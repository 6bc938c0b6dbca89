// Where a batch's trials (delivery/retry-plan.ts) live: fields of the batch
// hash itself, so completing the batch (which deletes the hash) forgets them.
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { RedisClient } from '../redis/connection';
import { trialField, type Trial } from './retry-plan';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    noteTrial(batchKey: string, field: string, maybeAcceptedAt: string): Result<number, Context>;
  }
}

const lua = readFileSync(new URL('./scripts/note-trial.lua', import.meta.url), 'utf8');

export class TrialStore {
  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('noteTrial', { numberOfKeys: 1, lua });
  }

  async note(batchKey: string, trial: Trial): Promise<void> {
    await this.redis.noteTrial(batchKey, trialField(trial.without), trial.maybeAcceptedAt === null ? '' : String(trial.maybeAcceptedAt));
  }
}
