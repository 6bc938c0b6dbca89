// Every Redis key Meridian writes, in one place, under one configurable prefix.
export class Keys {
  constructor(readonly prefix: string) {}

  /** Hash: one subscriber, with their send ledger (layout: src/subscribers/record.ts). */
  subscriber(id: string): string {
    return `${this.prefix}:sub:${id}`;
  }
  /** String (append-only), one entry a line: the consent ledger of one subscriber (consent-ledger.ts). */
  consent(id: string): string {
    return `${this.prefix}:consent:${id}`;
  }
  /** Hash: consent wordings, "version#digest" -> the exact words, each written once (HSETNX), never changed. */
  get consentWordings(): string {
    return `${this.prefix}:consent-wordings`;
  }
  /** Hash: user agents the consent ledgers name, digest -> the exact string, each written once (HSETNX). */
  get userAgents(): string {
    return `${this.prefix}:user-agents`;
  }
  /**
   * Hash: the send ledger of one subscriber as records written before the
   * compact layout kept it (now in the subscriber hash); only the upgrade
   * (record.lua) and the erasure scripts still name it.
   */
  legacySends(id: string): string {
    return `${this.prefix}:sends:${id}`;
  }
  /** Hash: send-ledger names and the numbers the subscriber hashes hold them by ("name" -> n, "#n" -> name, "#" last n). */
  get sendNames(): string {
    return `${this.prefix}:send-names`;
  }
  /** Hash: canonical address -> subscriber id. */
  get canonicalIndex(): string {
    return `${this.prefix}:idx:canonical`;
  }
  /** Sorted set: pending subscriber id scored by their last confirmation email (PENDING_RETENTION). */
  get pending(): string {
    return `${this.prefix}:idx:pending`;
  }
  /** Sorted set: subscriber id scored by the time their next drip step is due. */
  get due(): string {
    return `${this.prefix}:drip:due`;
  }
  /** Sorted set: send batches claimed but not yet completed, scored by claim time. */
  get claimedBatches(): string {
    return `${this.prefix}:drip:claimed`;
  }
  /** Hash: one claimed send batch (sequence, step, members, frozen plan). */
  batch(id: string): string {
    return `${this.prefix}:drip:batch:${id}`;
  }
  /** Counter for batch ids. */
  get batchCounter(): string {
    return `${this.prefix}:drip:batchseq`;
  }
  /** Hash: delivery event counts for one sequence step (delivered, opened, clicked ...). */
  stepStats(sequence: string, step: string): string {
    return `${this.prefix}:stats:${sequence}:${step}`;
  }
  /** String with TTL: a webhook message id already processed. */
  webhookSeen(id: string): string {
    return `${this.prefix}:webhook:seen:${id}`;
  }
  /** Set: digests of erased canonical addresses. */
  get tombstones(): string {
    return `${this.prefix}:tombstones`;
  }
  /** Rate-limiter keys live under this prefix. */
  get rateLimit(): string {
    return `${this.prefix}:rl`;
  }
  /** Anything else that needs a namespaced key. */
  scoped(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}
