// Which sequence a subscriber is in, and which step comes next. The engine
// reads the clinic's sequences from content/sequences.ts and knows nothing
// about their subject matter. Progress is stored by step id, so steps can be
// added to a sequence without confusing subscribers already in it.
import { isSequenceId, SEQUENCES, sequencesForTopics } from '../content/sequences';
import type { Subscriber } from '../subscribers/types';
import type { Sequence, SequenceStep } from './types';

export function findSequence(id: string): Sequence | undefined {
  return isSequenceId(id) ? SEQUENCES[id] : undefined;
}

export interface Enrolled {
  sequence: string;
  step: string;
  dueAt: number;
}

/** The first sequence whose topic the subscriber chose; its first step is due at once. */
export function enrolFirstSequence(subscriber: Subscriber, now: number): Enrolled | null {
  const sequence = sequencesForTopics(subscriber.topics)[0];
  const first = sequence?.steps[0];
  return sequence && first ? { sequence: sequence.id, step: first.id, dueAt: now } : null;
}

/** The step after `stepId`, with how many drip intervals separate the two, or null at the end. */
export function stepAfter(sequence: Sequence, stepId: string): { step: SequenceStep; gap: number } | null {
  const index = sequence.steps.findIndex((s) => s.id === stepId);
  const current = sequence.steps[index];
  const next = sequence.steps[index + 1];
  if (!current || !next) return null;
  return { step: next, gap: Math.max(next.offset - current.offset, 0) };
}
