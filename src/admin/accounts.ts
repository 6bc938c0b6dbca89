// Admin accounts: one Redis hash, address -> JSON record with the scrypt hash.
// Nothing else in Meridian reads it; the console and the admin CLI share it.
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';
import { checkAddress } from '../subscribers/address';
import { decoyHash, hashPassword, verifyPassword } from './password';

export interface AdminAccount {
  email: string;
  createdAt: number;
  /** Set for the development account whose password was printed once. */
  generated: boolean;
}

interface StoredAccount extends AdminAccount {
  hash: string;
}

export class AccountError extends Error {}

/** An admin's address, lower-cased: one person, one account. */
export function accountId(input: string): string {
  const check = checkAddress(input);
  if (!check.ok) throw new AccountError(`"${String(input).slice(0, 80)}" is not an email address: ${check.message}`);
  return check.email.toLowerCase();
}

export class AdminAccounts {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** log2 of scrypt's N for new hashes (existing hashes keep theirs). */
    private readonly passwordCost: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private get key(): string {
    return this.keys.scoped('admin', 'users');
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.key);
  }

  async list(): Promise<AdminAccount[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all)
      .map((raw) => {
        const { hash: _hash, ...account } = JSON.parse(raw) as StoredAccount;
        return account;
      })
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  /** Creates the account; refuses to overwrite one (use remove-user first). */
  async add(email: string, password: string, generated = false): Promise<AdminAccount> {
    const id = accountId(email);
    const record: StoredAccount = { email: id, createdAt: this.clock(), generated, hash: await hashPassword(password, this.passwordCost) };
    const created = await this.redis.hsetnx(this.key, id, JSON.stringify(record));
    if (created !== 1) throw new AccountError(`An admin account for ${id} already exists. Remove it first to reset its password.`);
    return { email: id, createdAt: record.createdAt, generated };
  }

  async remove(email: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, accountId(email))) === 1;
  }

  /**
   * The account when the password matches, else null. An unknown address
   * costs one scrypt too, so the answer's timing does not say which it was.
   */
  async verify(email: string, password: string): Promise<AdminAccount | null> {
    let id: string | null = null;
    try {
      id = accountId(email);
    } catch {
      id = null;
    }
    const raw = id ? await this.redis.hget(this.key, id) : null;
    const stored = raw ? (JSON.parse(raw) as StoredAccount) : null;
    const ok = await verifyPassword(password, stored?.hash ?? (await decoyHash(this.passwordCost)));
    if (!stored || !ok) return null;
    return { email: stored.email, createdAt: stored.createdAt, generated: stored.generated };
  }

  async exists(email: string): Promise<boolean> {
    return (await this.redis.hexists(this.key, email)) === 1;
  }
}
