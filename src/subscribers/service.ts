// The subscriber lifecycle as the outside world drives it: signup, confirm,
// unsubscribe, preferences. HTTP-agnostic: the web layer maps results to pages
// or JSON; the store does the atomic Redis work.
import type { Logger } from 'pino';
import { z } from 'zod';
import { consentWording } from '../content/consent';
import { DEFAULT_TOPICS, TOPIC_IDS, isTopicId, type TopicId } from '../content/topics';
import { TokenSigner, type TokenCheck, type TokenPurpose } from '../security/tokens';
import { checkAddress } from './address';
import type { RequestMeta } from './consent-ledger';
import type { PreferenceLimiter } from './preference-limits';
import type { SignupLimiter } from './signup-limits';
import type { SignupResult, SubscriberStore } from './store';
import { normaliseTimeZone } from './timezone';
import type { Subscriber } from './types';

export const NAME_MAX = 100;

/**
 * What a signup asks of the confirmation job. `confirmationAt` is the
 * subscriber's confirmationSentAt when this signup is the one that should send
 * a confirmation, else null; the job checks it again against the store.
 */
export interface ConfirmationRequest {
  subscriberId: string;
  confirmationAt: number | null;
}

/** Hands a confirmation to the send queue (delivery/transactional.ts); never talks to the provider. */
export interface ConfirmationRequests {
  request(request: ConfirmationRequest): Promise<void>;
}

/** Which drip sequence a newly confirmed subscriber enters, and when its first step is due. */
export type Enrolment = (subscriber: Subscriber, now: number) => { sequence: string; step: string; dueAt: number } | null;

/** One problem with one form field, worded for the person who filled it in. */
export interface FieldError {
  field: string;
  message: string;
}

export type Failure = {
  ok: false;
  status: 400 | 404 | 410 | 429 | 503;
  /** The first problem (what the JSON API reports). */
  message: string;
  field?: string;
  /** Every field problem found, in form order, so a page can list them all at once. */
  errors?: FieldError[];
  retryAfterSeconds?: number;
};

/**
 * What a signup did, for the log line of the request that made it (the web
 * layer adds it there). Never part of the answer: the answer is the same
 * whatever happened, so the form does not reveal who is subscribed.
 */
export interface SignupEvent {
  signup: SignupResult['outcome'] | 'honeypot';
  form: string;
  subscriberId?: string;
  afterErasure?: true;
}

export type SignupOutcome = { ok: true; message: string; event: SignupEvent } | Failure;

export const CHECK_INBOX =
  'Thank you! Please check your inbox: we have sent you an email with a button to confirm your subscription. ' +
  'If it does not arrive within a few minutes, look in your spam folder.';

const optionalText = (max: number) => z.string().max(max * 4).optional();

// Unknown fields are dropped by zod's default object behaviour.
const signupSchema = z.object({
  email: z.string({ error: 'Please enter your email address.' }).max(1000, 'That email address is too long.'),
  firstName: optionalText(NAME_MAX),
  consent: z.union([z.boolean(), z.string()]).optional(),
  timeZone: optionalText(64),
  website: z.string().max(1000).optional(), // honeypot: people never see or fill it
  form: z.string().max(40).optional(),
});

export interface ServiceDeps {
  store: SubscriberStore;
  limiter: SignupLimiter;
  signer: TokenSigner;
  confirmations: ConfirmationRequests;
  enrol: Enrolment;
  consentTextVersion: string;
  clinicName: string;
  logger: Logger;
  /** Limits preference changes per subscriber (the consent ledger grows with each). */
  preferenceLimiter: PreferenceLimiter;
  /** Where copies of sent mail are kept on disk (the dev outbox); erasure removes the person's. */
  mailCopies?: MailCopies;
  clock?: () => number;
}

export interface MailCopies {
  forget(canonical: string, subscriberId: string): Promise<number>;
}

export type TokenOutcome =
  | { ok: true; subscriber: Subscriber; expired: boolean }
  | { ok: false; status: 400 | 404 | 410; message: string; reason: Extract<TokenCheck, { ok: false }>['reason'] | 'unknown-subscriber' };

export class SubscriptionService {
  private readonly now: () => number;

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.clock ?? Date.now;
  }

  consent() {
    return consentWording(this.deps.consentTextVersion, this.deps.clinicName);
  }

  async signup(body: unknown, meta: RequestMeta, defaultForm: string): Promise<SignupOutcome> {
    const parsed = signupSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const errors: FieldError[] = [];
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? 'form');
        if (errors.some((e) => e.field === field)) continue;
        // A missing field gets the schema's own message ("Please enter your
        // email address."); only a present value of the wrong type (an array
        // from a repeated field, an object) gets the generic one.
        const given = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
        const message = issue.code === 'invalid_type' && issue.path.length > 0 && given !== undefined
          ? `The field "${field}" must be a single text value.`
          : issue.message;
        errors.push({ field, message });
      }
      return fieldFailure(errors);
    }
    const input = parsed.data;
    if (input.website && input.website.trim() !== '') {
      // Bots fill every field. Answer exactly like a success, store nothing.
      return { ok: true, message: CHECK_INBOX, event: { signup: 'honeypot', form: formOf(input.form, defaultForm) } };
    }
    // Every field is checked, so the form can name all its problems at once.
    const errors: FieldError[] = [];
    const address = checkAddress(input.email);
    if (!address.ok) errors.push({ field: 'email', message: address.message });
    const name = cleanName(input.firstName);
    if (!name.ok) errors.push({ field: 'firstName', message: name.message });
    if (!isConsent(input.consent)) {
      errors.push({ field: 'consent', message: 'Please tick the box to agree to receive our emails.' });
    }
    if (!address.ok || !name.ok || errors.length > 0) return fieldFailure(errors);
    const firstName = name.name;
    const limit = await this.deps.limiter.check(meta.ip ?? 'unknown', address.canonical);
    if (!limit.ok) {
      return {
        ok: false,
        status: 429,
        message:
          limit.scope === 'ip'
            ? 'Too many signups from your network. Please try again later.'
            : 'Too many attempts for this email address. Please check your inbox, or try again later.',
        retryAfterSeconds: limit.retryAfterSeconds,
      };
    }
    const wording = this.consent();
    const form = formOf(input.form, defaultForm);
    // An erased address may come back only like this, through a fresh double
    // opt-in: store.signup checks the tombstone for every signup (same work
    // whatever the answer) and the new ledger entry records that it was there.
    const result = await this.deps.store.signup(
      {
        email: address.email,
        canonical: address.canonical,
        firstName,
        timeZone: normaliseTimeZone(input.timeZone),
        topics: DEFAULT_TOPICS,
        consentVersion: wording.version,
        consentText: wording.text,
        form,
        meta,
      },
      this.deps.limiter.options.confirmationResendMs,
    );
    // One job for every outcome, new address or known, so the answer, its
    // timing and the work behind it are the same; the job decides whether an
    // email goes out. The provider is never called from here.
    await this.deps.confirmations.request({
      subscriberId: result.subscriber.id,
      confirmationAt: result.outcome === 'send-confirmation' ? result.subscriber.confirmationSentAt : null,
    });
    // The same answer for new, pending, active, paused and suppressed
    // addresses: the form must not reveal who is subscribed.
    return {
      ok: true,
      message: CHECK_INBOX,
      event: { signup: result.outcome, form, subscriberId: result.subscriber.id, ...(result.afterErasure ? { afterErasure: true as const } : {}) },
    };
  }

  /**
   * GDPR Art. 17 for one person: the Redis data (store.erase: record,
   * ledgers, indexes, their rate-limit counters), then any copies of mail
   * sent to them on disk. Callers (self-service, console) erase through here.
   */
  async erase(subscriber: Pick<Subscriber, 'id' | 'canonical'>): Promise<boolean> {
    const removed = await this.deps.store.erase(subscriber.id);
    if (!removed) return false;
    const files = (await this.deps.mailCopies?.forget(subscriber.canonical, subscriber.id)) ?? 0;
    this.deps.logger.info({ subscriberId: subscriber.id, mailCopiesRemoved: files }, 'subscriber erased');
    return true;
  }

  /** A preference change through a manage link: null when allowed, else seconds to wait. */
  preferenceChangeAllowed(subscriber: Subscriber): Promise<number | null> {
    return this.deps.preferenceLimiter.consume(subscriber.id);
  }

  /**
   * Checks a link token and loads the subscriber it was issued for.
   * `allowExpired` (unsubscribing only) accepts a genuine manage token past its
   * time; the outcome then says `expired`, and callers show no personal data.
   */
  async resolveToken(token: unknown, purpose: TokenPurpose, options: { allowExpired?: boolean } = {}): Promise<TokenOutcome> {
    const check = this.deps.signer.verify(token, purpose, this.now());
    let expired = false;
    if (!check.ok) {
      if (check.reason === 'expired' && options.allowExpired) {
        expired = true;
      } else if (check.reason === 'expired') {
        const message =
          purpose === 'confirm'
            ? 'This confirmation link has expired. Please sign up again and we will send you a new one.'
            : 'This link has expired. Every email we send carries a fresh one; the unsubscribe link in any of our emails always works.';
        return { ok: false, status: 410, reason: 'expired', message };
      } else {
        return { ok: false, status: 400, reason: check.reason, message: 'This link is not valid. Please use the link from your most recent email.' };
      }
    }
    const subscriber = await this.deps.store.get(check.claims.subscriberId);
    // The digest binds the token to the address it was sent to.
    if (!subscriber || TokenSigner.addressDigest(subscriber.canonical) !== check.claims.addressDigest) {
      return { ok: false, status: 404, reason: 'unknown-subscriber', message: 'We could not find a subscription for this link. It may have been deleted.' };
    }
    return { ok: true, subscriber, expired };
  }

  async confirm(subscriber: Subscriber, meta: RequestMeta): Promise<'confirmed' | 'already' | 'not-pending'> {
    const enrolment = this.deps.enrol({ ...subscriber, status: 'active' }, this.now());
    const result = await this.deps.store.confirm(subscriber.id, meta, enrolment);
    if (result === 'ok') {
      this.deps.logger.info({ subscriberId: subscriber.id, sequence: enrolment?.sequence ?? null }, 'subscription confirmed');
      return 'confirmed';
    }
    const current = await this.deps.store.get(subscriber.id);
    return current && (current.status === 'active' || current.status === 'paused') ? 'already' : 'not-pending';
  }

  /** Self-service access (GDPR Art. 15/20): everything held about this person, as the store exports it. */
  async exportData(subscriber: Subscriber) {
    const data = await this.deps.store.exportData(subscriber.id);
    if (data) this.deps.logger.info({ subscriberId: subscriber.id }, 'data exported by the subscriber');
    return data;
  }

  async unsubscribe(subscriber: Subscriber, source: string, meta: RequestMeta): Promise<'unsubscribed' | 'already'> {
    const result = await this.deps.store.unsubscribe(subscriber.id, source, meta);
    if (result === 'ok') this.deps.logger.info({ subscriberId: subscriber.id, source }, 'unsubscribed');
    return result === 'ok' ? 'unsubscribed' : 'already';
  }

  async savePreferences(subscriber: Subscriber, rawTopics: unknown, meta: RequestMeta): Promise<{ topics: TopicId[] } | Failure> {
    const list = rawTopics === undefined ? [] : Array.isArray(rawTopics) ? rawTopics : [rawTopics];
    if (list.length > 20 || !list.every(isTopicId)) {
      return { ok: false, status: 400, message: 'Please choose from the topics listed on the page.', field: 'topics' };
    }
    // In the catalogue's order, so the same choice ticked in another order is no change (and no ledger entry).
    const topics = TOPIC_IDS.filter((id) => list.includes(id));
    const chosenBefore = subscriber.sequence !== null && this.sequenceStillChosen(subscriber, subscriber.topics);
    const chosenNow = subscriber.sequence !== null && this.sequenceStillChosen(subscriber, topics);
    // Leaving the topic of the current sequence stops it; choosing it again
    // picks the sequence up where it stopped. A paused reader gets the entry
    // back at the end of the pause, where the tick resumes them (without it
    // they would stay paused and out of the due index for good).
    const resumeAt = subscriber.status === 'active' ? this.now() : subscriber.status === 'paused' ? (subscriber.pausedUntil ?? this.now()) : null;
    const due = chosenBefore && !chosenNow ? 'remove' : !chosenBefore && chosenNow && resumeAt !== null ? resumeAt : 'keep';
    await this.deps.store.setTopics(subscriber.id, topics, meta, due);
    return { topics };
  }

  async pause(subscriber: Subscriber, days: unknown, meta: RequestMeta): Promise<{ until: number } | Failure> {
    const n = typeof days === 'string' ? Number(days) : typeof days === 'number' ? days : NaN;
    if (!PAUSE_CHOICES.includes(n)) {
      return { ok: false, status: 400, message: `Please choose a pause of ${PAUSE_CHOICES.join(', ')} days.`, field: 'days' };
    }
    if (subscriber.status !== 'active' && subscriber.status !== 'paused') {
      return { ok: false, status: 400, message: 'Only an active subscription can be paused.' };
    }
    const until = this.now() + n * 86_400_000;
    // The same pause pressed again (the page shows the end as a date) changes
    // nothing worth a consent-ledger entry.
    if (subscriber.status === 'paused' && subscriber.pausedUntil !== null && Math.abs(until - subscriber.pausedUntil) < 86_400_000) {
      return { until: subscriber.pausedUntil };
    }
    await this.deps.store.pause(subscriber.id, until, meta);
    return { until };
  }

  async resume(subscriber: Subscriber, meta: RequestMeta): Promise<void> {
    // Still in a sequence: the next step becomes due now; the scheduler
    // applies the send window when it claims it.
    const dueAt = subscriber.sequence !== null ? this.now() : null;
    await this.deps.store.resume(subscriber.id, 'preferences-page', meta, dueAt);
  }

  private sequenceStillChosen(subscriber: Subscriber, topics: readonly TopicId[]): boolean {
    const enrolment = this.deps.enrol({ ...subscriber, topics: [...topics] }, this.now());
    return enrolment !== null && enrolment.sequence === subscriber.sequence;
  }
}

export const PAUSE_CHOICES = [7, 14, 30, 90];

/** The form a signup came from as sent, when it is a plain name; else the route's own. */
function formOf(sent: string | undefined, defaultForm: string): string {
  return sent !== undefined && /^[a-z0-9-]{1,40}$/.test(sent) ? sent : defaultForm;
}

function fieldFailure(errors: FieldError[]): Failure {
  const first = errors[0] ?? { field: 'form', message: 'Please check the form and try again.' };
  return { ok: false, status: 400, message: first.message, field: first.field, errors };
}

/** Whether a form's consent value means "ticked". */
export function isConsent(value: unknown): boolean {
  return value === true || value === 'yes' || value === 'on' || value === 'true' || value === '1';
}

export type NameCheck = { ok: true; name: string | null } | { ok: false; message: string };

/**
 * A first name is shown back to its owner only (pages, drip greetings), but it
 * is still free text from a stranger: letters, marks, digits, spaces,
 * apostrophes, hyphens and dots are all a name needs. Anything else (a URL, an
 * "@", bidi or other invisible format characters, a lone surrogate that no
 * JSON parser accepts) is refused rather than cleaned, so nothing is stored
 * that the person did not see.
 */
export function cleanName(value: string | undefined): NameCheck {
  if (value === undefined) return { ok: true, name: null };
  if (/\p{Cs}/u.test(value)) return { ok: false, message: NAME_CHARACTERS }; // a lone surrogate
  const name = value.normalize('NFC').trim();
  if (name === '') return { ok: true, name: null };
  if ([...name].length > NAME_MAX) return { ok: false, message: `Please keep your first name under ${NAME_MAX} characters.` };
  if (!NAME_PATTERN.test(name) || LOOKS_LIKE_A_DOMAIN.test(name)) return { ok: false, message: NAME_CHARACTERS };
  return { ok: true, name };
}

const NAME_CHARACTERS = 'Please enter just your first name: letters, spaces, hyphens and apostrophes, no links or symbols.';
// \p{L} letters, \p{M} combining marks (Devanagari, Vietnamese ...), \p{Nd} digits.
const NAME_PATTERN = /^[\p{L}\p{M}\p{Nd}' \u2019.-]+$/u;
// "evil.example" or "bit.ly": a dot between letters with no space after it.
const LOOKS_LIKE_A_DOMAIN = /[\p{L}\p{Nd}]\.[\p{L}]{2,}/u;
