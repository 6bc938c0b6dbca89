// What a subscriber can choose on the preference page. Clinic content, not engine code:
// a new series adds a topic here and a sequence in content/sequences.ts.

export interface Topic {
  /** Stable id: letters, digits and "-" (it also appears in email tags). */
  id: string;
  label: string;
  description: string;
}

export const TOPICS = [
  {
    id: 'sciatica-series',
    label: 'The sciatica series',
    description: 'Four weekly emails on how acupuncture may help sciatic nerve pain.',
  },
  {
    id: 'newsletter',
    label: 'The weekly newsletter',
    description: 'News, tips and opening times from the clinic, once a week.',
  },
] as const satisfies readonly Topic[];

export type TopicId = (typeof TOPICS)[number]['id'];

export const TOPIC_IDS: readonly TopicId[] = TOPICS.map((t) => t.id);

/** What a new signup receives unless they choose otherwise. */
export const DEFAULT_TOPICS: readonly TopicId[] = TOPIC_IDS;

export function isTopicId(value: unknown): value is TopicId {
  return typeof value === 'string' && (TOPIC_IDS as readonly string[]).includes(value);
}
