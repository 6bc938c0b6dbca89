// Why a subscriber's next email falls when it does, in words a marketer reads.
// Pure: the subscriber, their due-index score, the clock and the window rule in.
import { findSequence } from '../sequences/enrolment';
import { windowApplies, type SendWindowRule } from '../scheduling/window';
import { isValidTimeZone } from '../subscribers/timezone';
import type { Subscriber } from '../subscribers/types';

export interface NextSend {
  /** Epoch ms of the next send, or null when nothing is scheduled. */
  at: number | null;
  /** The time in the reader's own zone, e.g. "Tue 1 Dec 2026, 09:00 (Europe/Berlin)". */
  local: string | null;
  why: string;
}

export function formatLocal(at: number, zone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(at);
  return `${text} (${zone})`;
}

export function explainNextSend(s: Subscriber, dueScore: number | null, now: number, rule: SendWindowRule): NextSend {
  const zone = isValidTimeZone(s.timeZone) ? s.timeZone! : rule.fallbackTimeZone;
  const zoneWhy = s.timeZone && isValidTimeZone(s.timeZone) ? `their time zone, ${zone}` : `the clinic's time zone, ${zone}, because theirs is unknown`;
  if (s.status === 'pending') return { at: null, local: null, why: 'Nothing until they confirm: the series starts when they press the button in the confirmation email.' };
  if (s.status === 'unsubscribed' || s.status === 'bounced' || s.status === 'complained') {
    return { at: null, local: null, why: `Nothing, ever: the address is ${s.status}. Only a new signup with a fresh double opt-in changes that.` };
  }
  if (!s.sequence || !s.step) return { at: null, local: null, why: 'No series email is planned: the series is finished or its topic is not chosen. Newsletters still go out to chosen topics.' };
  const sequence = findSequence(s.sequence);
  const step = sequence?.steps.find((x) => x.id === s.step);
  const stepName = step ? `step ${sequence!.steps.indexOf(step) + 1} of ${sequence!.steps.length}, “${step.subject}”` : `step ${s.step}`;
  if (s.status === 'paused') {
    const until = s.pausedUntil;
    return {
      at: null,
      local: until ? formatLocal(until, zone) : null,
      why: `Paused${until ? ` until ${formatLocal(until, zone)}` : ''}. After the pause ${stepName} is due again and goes out in the next send window.`,
    };
  }
  if (dueScore === null) return { at: null, local: null, why: `${stepName} is being sent right now (in a batch), or waits for its topic to be chosen again.` };
  if (dueScore <= now) return { at: dueScore, local: formatLocal(dueScore, zone), why: `${stepName} is due now; the scheduler picks it up on its next tick.` };
  const windowed = windowApplies(rule);
  const why = windowed
    ? `${stepName} follows the previous email${s.lastSentAt ? ` (sent ${formatLocal(s.lastSentAt, zone)})` : ''} by the series interval, placed in the send window: ${cap(rule.weekday)} at ${String(rule.hour).padStart(2, '0')}:00 in ${zoneWhy}.`
    : `${stepName} follows the previous email by the series interval (${Math.round(rule.intervalMs / 1000)} s; no send window below one day).`;
  // The due time already sits in a window (nextStepDue placed it there).
  return { at: dueScore, local: formatLocal(dueScore, zone), why };
}

const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
