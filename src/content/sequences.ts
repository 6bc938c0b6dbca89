// The clinic's drip sequences. Adding a step = one entry here plus one template
// in emails/ (registered in src/render/templates.ts).
//
// Subjects are not typed here: each step takes its subject from the template
// registry, which takes it from the template file (`export const subject`), so
// the text the reader sees exists in exactly one place.
import { TEMPLATES, type TemplateId } from '../render/templates';
import { defineSequence, type Sequence, type SequenceStep } from '../sequences/types';
import type { TopicId } from './topics';

function step(template: TemplateId, offset: number, id: string = template): SequenceStep<TemplateId> {
  return { id, template, subject: TEMPLATES[template].subject, offset };
}

export const SEQUENCES = {
  'sciatica-series': defineSequence<TemplateId, TopicId>({
    id: 'sciatica-series',
    topic: 'sciatica-series',
    steps: [
      step('welcome', 0), // on confirmation
      step('mechanisms', 1),
      step('medication-free-relief', 2),
      step('lasting-effects', 3),
    ],
  }),
} as const satisfies Record<string, Readonly<Sequence<TemplateId, TopicId>>>;

export type SequenceId = keyof typeof SEQUENCES;

export const SEQUENCE_IDS = Object.keys(SEQUENCES) as SequenceId[];

export function isSequenceId(value: unknown): value is SequenceId {
  return typeof value === 'string' && Object.hasOwn(SEQUENCES, value);
}

/** The sequences a subscriber with these topics receives. */
export function sequencesForTopics(topics: readonly string[]): Readonly<Sequence<TemplateId, TopicId>>[] {
  return SEQUENCE_IDS.map((id) => SEQUENCES[id]).filter((s) => topics.includes(s.topic));
}
