// The console's subscriber filter, read from a query string the same way by
// the list (/admin/subscribers) and the CSV export (/admin/export).
import { isTopicId } from '../content/topics';
import type { ListFilter } from '../subscribers/directory';
import { STATUSES, type SubscriberStatus } from '../subscribers/types';

const STEP = /^[A-Za-z0-9-]{1,64}\/[A-Za-z0-9-]{1,64}$/;
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Only values that name a real status, topic or "sequence/step"; anything else (a repeated parameter included) filters nothing. */
export function listFilterOf(query: { status?: unknown; topic?: unknown; step?: unknown }): ListFilter {
  const filter: ListFilter = {};
  const status = one(query.status);
  if (status && (STATUSES as readonly string[]).includes(status)) filter.status = status as SubscriberStatus;
  const topic = one(query.topic);
  if (topic && isTopicId(topic)) filter.topic = topic;
  const step = one(query.step);
  if (step && STEP.test(step)) filter.step = step;
  return filter;
}
