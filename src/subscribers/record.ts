// The subscriber record: one Redis hash per subscriber, and the one module
// that knows its layout. There is one hash per subscriber and memory is the
// limit of one Redis, so the fields are stored under one- or two-letter names
// (SUBSCRIBER_FIELDS); everything else reads and writes them through this
// module: TypeScript through `F` and the helpers below, Lua through the same
// table, generated into every script that touches a record (withRecord). A
// stored name never changes once released: records hold it (the mapping is
// pinned by tests/subscribers/record.test.ts).
//
// The send ledger lives in the same hash, one field per send, named "/" and a
// number: the number stands for the ledger name ("sequence/step",
// "newsletter/<issue id>") in one shared dictionary, Keys.sendNames
// ("name" -> number, "#number" -> name, "#" the last number given), so the
// 25 to 45 characters of a name are not stored again for every reader.
//
// Records written before this layout (long field names, the send ledger in
// its own hash, the consent ledger as a list) are rewritten by sub_upgrade
// (scripts/record.lua), which the startup path and `npm run admin -- reindex`
// run over every subscriber (src/subscribers/reindex.ts).
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';

export const SUBSCRIBER_FIELDS = {
  status: 's',
  email: 'e',
  /** Only where it differs from email. */
  canonical: 'k',
  firstName: 'n',
  timeZone: 'z',
  topics: 't',
  consentVersion: 'v',
  createdAt: 'c',
  updatedAt: 'u',
  confirmationSentAt: 'cs',
  confirmedAt: 'cf',
  unsubscribedAt: 'us',
  pausedUntil: 'pu',
  /** The drip sequence the subscriber is in and the id of their next step. */
  sequence: 'sq',
  step: 'st',
  /** The drip batch that holds them (claim.lua sets it, complete.lua clears it). */
  batch: 'b',
  lastSentAt: 'ls',
  sequenceCompletedAt: 'sc',
  lastError: 'le',
  consentLedgerDropped: 'cd',
} as const;

export type RecordField = keyof typeof SUBSCRIBER_FIELDS;

/** The stored name of each field: `hash[F.status]`. */
export const F = SUBSCRIBER_FIELDS;

/** Send-ledger fields of the record start with this; field names never do. */
export const SEND_FIELD_PREFIX = '/';

const LONG_BY_SHORT = new Map<string, string>(Object.entries(SUBSCRIBER_FIELDS).map(([long, short]) => [short, long]));

/** Fields named the readable way, as the store's methods build them, in the stored names. */
export function storedFields(fields: Partial<Record<RecordField, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) out[SUBSCRIBER_FIELDS[name as RecordField]] = value as string;
  return out;
}

/**
 * The record under the readable names (the GDPR export's `record`): every
 * stored field, send-ledger fields left out (they are exported as `sends`).
 * A field this module does not know is kept under the name it is stored by.
 */
export function readableRecord(hash: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(hash)) {
    if (name.startsWith(SEND_FIELD_PREFIX)) continue;
    out[LONG_BY_SHORT.get(name) ?? name] = value;
  }
  return out;
}

/** The send ledger held in a record, by ledger name ("sequence/step", "newsletter/<issue id>"). */
export async function sendLedgerOf(redis: RedisClient, keys: Keys, hash: Record<string, string>): Promise<Record<string, string>> {
  const fields = Object.keys(hash).filter((f) => f.startsWith(SEND_FIELD_PREFIX));
  if (fields.length === 0) return {};
  const names = await redis.hmget(keys.sendNames, ...fields.map((f) => `#${f.slice(SEND_FIELD_PREFIX.length)}`));
  const out: Record<string, string> = {};
  fields.forEach((f, i) => {
    // A number the dictionary does not hold would be a lost name: keep the entry under its number.
    out[names[i] ?? f] = hash[f]!;
  });
  return out;
}

const LIBRARY = readFileSync(new URL('./scripts/record.lua', import.meta.url), 'utf8');

/** The Lua side of this module: `F` (the same table as above) and the record functions of scripts/record.lua. */
export const RECORD_LUA = `local F = ${luaTable(SUBSCRIBER_FIELDS)}\nlocal SEND_FIELD_PREFIX = '${SEND_FIELD_PREFIX}'\n${LIBRARY}`;

/** A script with the record layout (F, sub_key, ledger_put, ledger_has, consent_append, sub_upgrade) in front. */
export function withRecord(lua: string): string {
  return `${RECORD_LUA}\n${lua}`;
}

function luaTable(fields: Record<string, string>): string {
  return `{ ${Object.entries(fields)
    .map(([k, v]) => `${k} = '${v}'`)
    .join(', ')} }`;
}
