// Generic drip-sequence types. Nothing clinic- or series-specific lives here:
// a series is data (src/content/sequences.ts) plus one template per step.

/** Step and sequence ids: letters, digits and "-" (they end up in job ids and email tags). */
export const SEQUENCE_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

export interface SequenceStep<TTemplate extends string = string> {
  /** Unique within its sequence; stable once emails were sent (progress is stored by step id). */
  id: string;
  /** Template id, see src/render/templates.ts. */
  template: TTemplate;
  /** The subject line, taken from the template registry (never re-typed). */
  subject: string;
  /**
   * When to send, in whole drip intervals after confirmation: 0 = immediately,
   * 1 = one DRIP_INTERVAL later, and so on. The scheduler multiplies by
   * DRIP_INTERVAL and snaps to the send window.
   */
  offset: number;
}

export interface Sequence<TTemplate extends string = string, TTopic extends string = string> {
  /** Registry key; also used in job ids and tags. */
  id: string;
  /** The preference-page topic a subscriber must have chosen to receive this sequence. */
  topic: TTopic;
  /** In sending order; offsets never decrease. */
  steps: readonly SequenceStep<TTemplate>[];
}

export class SequenceDefinitionError extends Error {
  constructor(sequenceId: string, problem: string) {
    super(`Sequence ${JSON.stringify(sequenceId)}: ${problem}`);
    this.name = 'SequenceDefinitionError';
  }
}

/** Checks a sequence once, at module load, and freezes it. */
export function defineSequence<TTemplate extends string, TTopic extends string>(
  sequence: Sequence<TTemplate, TTopic>,
): Readonly<Sequence<TTemplate, TTopic>> {
  const fail = (problem: string): never => {
    throw new SequenceDefinitionError(sequence.id, problem);
  };
  if (!SEQUENCE_ID_PATTERN.test(sequence.id)) fail('id must be 1-64 letters, digits or "-"');
  if (sequence.steps.length === 0) fail('needs at least one step');
  const seen = new Set<string>();
  let previous = 0;
  for (const step of sequence.steps) {
    if (!SEQUENCE_ID_PATTERN.test(step.id)) fail(`step id ${JSON.stringify(step.id)} must be 1-64 letters, digits or "-"`);
    if (seen.has(step.id)) fail(`step id ${JSON.stringify(step.id)} is used twice`);
    seen.add(step.id);
    if (!Number.isSafeInteger(step.offset) || step.offset < 0) fail(`step ${step.id}: offset must be a whole number >= 0`);
    if (step.offset < previous) fail(`step ${step.id}: offsets must not decrease (steps are listed in sending order)`);
    previous = step.offset;
    if (typeof step.subject !== 'string' || step.subject.trim() === '' || /[\r\n]/.test(step.subject)) {
      fail(`step ${step.id}: subject must be one non-empty line`);
    }
  }
  return Object.freeze({ ...sequence, steps: Object.freeze(sequence.steps.map((s) => Object.freeze({ ...s }))) });
}

/** The step with this id, or undefined. */
export function findStep<T extends string>(sequence: Sequence<T>, stepId: string): SequenceStep<T> | undefined {
  return sequence.steps.find((s) => s.id === stepId);
}

/** The step after `stepId` (the first step when stepId is null), or null when the sequence is done. */
export function nextStep<T extends string>(sequence: Sequence<T>, stepId: string | null): SequenceStep<T> | null {
  if (stepId === null) return sequence.steps[0] ?? null;
  const index = sequence.steps.findIndex((s) => s.id === stepId);
  if (index === -1) throw new Error(`Sequence ${sequence.id} has no step ${JSON.stringify(stepId)}`);
  return sequence.steps[index + 1] ?? null;
}

/** Milliseconds after confirmation, before send-window snapping. */
export function stepDelayMs(step: SequenceStep, dripIntervalMs: number): number {
  return step.offset * dripIntervalMs;
}
