import type { TopicId } from '../content/topics';

export const STATUSES = ['pending', 'active', 'paused', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof STATUSES)[number];

/** Statuses that must never receive anything again without a fresh opt-in. */
export const SUPPRESSED: readonly SubscriberStatus[] = ['unsubscribed', 'bounced', 'complained'];

export interface Subscriber {
  id: string;
  /** The address as the person typed it (trimmed). */
  email: string;
  /** Duplicate-detection key (see address.ts). */
  canonical: string;
  firstName: string | null;
  status: SubscriberStatus;
  topics: TopicId[];
  /** Validated IANA zone, or null when unknown. */
  timeZone: string | null;
  consentVersion: string | null;
  createdAt: number;
  updatedAt: number;
  confirmedAt: number | null;
  confirmationSentAt: number | null;
  pausedUntil: number | null;
  /** The drip sequence the subscriber is in, and the id of their next step. */
  sequence: string | null;
  step: string | null;
  lastSentAt: number | null;
}
