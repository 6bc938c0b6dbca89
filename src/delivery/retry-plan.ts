// A retried batch re-checks its readers and may drop some, without ever
// sending anyone the same email twice. The reasoning (ARCHITECTURE.md,
// "Retries that re-plan"):
//
// - A batch's plan is frozen on its first attempt and sent under one
//   Idempotency-Key. A retry may run hours later, after a reader unsubscribed.
// - A retry re-checks the plan's readers and sends the plan minus those who
//   may no longer receive it. Each payload a key has carried is a "trial",
//   named by the readers it leaves out, and recorded BEFORE it is sent.
// - The provider keeps one payload per key (the first it accepted; an errored
//   request stores nothing). So the re-planned payload is either accepted
//   now (200: no earlier trial was accepted, and nobody is sent twice), or
//   refused with 409 invalid_idempotent_request, which proves an earlier
//   trial was accepted. Resending each earlier trial byte for byte finds it:
//   the accepted one is replayed from the provider's store (200), the others
//   get 409 and can never be accepted, since the key is taken.
// - Trials only ever leave more readers out, so there are at most as many as
//   the batch has readers, and in practice one or two.
// - When a reader was accepted is when the provider answered, or, for a
//   replayed trial, when the attempt that may have been accepted ended
//   without an answer. Not when the job started.
import { IdempotencyMismatchError, TransientDeliveryError } from './errors';
import type { SendOutcome } from './transport';

/** One payload sent under a batch's key: the frozen plan minus `without`. */
export interface Trial {
  /** Reader ids left out, sorted. */
  without: string[];
  /** When an attempt with this payload ended with no answer (it may have been accepted); null if none did. */
  maybeAcceptedAt: number | null;
}

export interface KeyedSendDeps<R extends { id: string }> {
  /** The frozen plan's recipients, in plan order. */
  recipients: R[];
  /** Recorded trials; empty when only the frozen plan itself has been attempted. */
  trials: Trial[];
  /** True on the batch's first attempt (the plan was frozen just now, after its own check). */
  firstAttempt: boolean;
  /** Of these readers, the ids that may still receive this email. */
  stillEligible(recipients: R[]): Promise<Set<string>>;
  /** Sends exactly these recipients under the batch's key (a pure function of the list). */
  send(recipients: R[]): Promise<SendOutcome[]>;
  /** Records a trial (new, or now maybe accepted); a no-op when the batch is gone. */
  noteTrial(trial: Trial): Promise<void>;
  /** Read when the provider answers. */
  clock(): number;
}

export interface KeyedSendResult<R> {
  /** The recipients of the payload the provider holds, with their outcomes in order. */
  recipients: R[];
  outcomes: SendOutcome[];
  /** Frozen-plan recipients that were not sent: left out before the provider accepted anything. */
  leftOut: R[];
  acceptedAt: number;
}

export function trialField(without: string[]): string {
  return `trial:${without.join(',')}`;
}

/** Reads trials back from a batch hash's fields. */
export function trialsFromHash(hash: Record<string, string>): Trial[] {
  const out: Trial[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (!field.startsWith('trial:')) continue;
    const list = field.slice('trial:'.length);
    out.push({ without: list === '' ? [] : list.split(','), maybeAcceptedAt: value === '' ? null : Number(value) });
  }
  return out;
}

export async function sendUnderKey<R extends { id: string }>(deps: KeyedSendDeps<R>): Promise<KeyedSendResult<R>> {
  // The frozen plan is trial 0 even when nothing was recorded for it.
  const trials = deps.trials.some((t) => t.without.length === 0) ? [...deps.trials] : [{ without: [], maybeAcceptedAt: null }, ...deps.trials];
  // Most readers left out = most recent: trials only ever drop more readers.
  trials.sort((a, b) => b.without.length - a.without.length);

  let current = trials[0]!;
  if (!deps.firstAttempt) {
    const eligible = await deps.stillEligible(payloadOf(deps.recipients, current));
    const without = [...new Set([...current.without, ...deps.recipients.filter((r) => !current.without.includes(r.id) && !eligible.has(r.id)).map((r) => r.id)])].sort();
    if (without.length > current.without.length) {
      current = { without, maybeAcceptedAt: null };
      trials.unshift(current);
      // Recorded before it is sent: a 409 later must be able to find it.
      await deps.noteTrial(current);
    }
  }

  try {
    return await attempt(deps, current);
  } catch (err) {
    if (!(err instanceof IdempotencyMismatchError)) throw err;
    // The key holds an earlier trial: find it by resending each byte for byte.
    for (const earlier of trials) {
      if (earlier === current) continue;
      try {
        return await attempt(deps, earlier);
      } catch (again) {
        if (!(again instanceof IdempotencyMismatchError)) throw again;
      }
    }
    throw err;
  }
}

async function attempt<R extends { id: string }>(deps: KeyedSendDeps<R>, trial: Trial): Promise<KeyedSendResult<R>> {
  const recipients = payloadOf(deps.recipients, trial);
  try {
    const outcomes = await deps.send(recipients);
    const leftOut = deps.recipients.filter((r) => trial.without.includes(r.id));
    return { recipients, outcomes, leftOut, acceptedAt: trial.maybeAcceptedAt ?? deps.clock() };
  } catch (err) {
    // No answer: the provider may have accepted this payload just now.
    if (err instanceof TransientDeliveryError && err.statusCode === null && trial.maybeAcceptedAt === null) {
      trial.maybeAcceptedAt = deps.clock();
      await deps.noteTrial(trial);
    }
    throw err;
  }
}

function payloadOf<R extends { id: string }>(recipients: R[], trial: Trial): R[] {
  if (trial.without.length === 0) return recipients;
  const out = new Set(trial.without);
  return recipients.filter((r) => !out.has(r.id));
}
