// What a marketer can do with an issue, for the CLI and the console alike:
// save a draft, schedule, send now, cancel, reschedule, read its progress.
// The rules live here once; the CLI and the routes only translate.
import type { Logger } from 'pino';
import { isValidTimeZone } from '../subscribers/timezone';
import { dateIsOver, earliestSendAt, readerSendAt } from './audience';
import { NewsletterError } from './errors';
import { formatClaim, IssueFileError, parseIssueMarkdown, SLUG, type ParsedIssue } from './markdown';
import type { IssueRecord, NewsletterStore } from './store';

/** Zones shown next to a schedule so the marketer sees what "09:00" means around the world. */
export const SAMPLE_ZONES = ['America/Los_Angeles', 'America/New_York', 'Europe/London', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney'] as const;

export interface NewsletterServiceDeps {
  store: NewsletterStore;
  clinicTimeZone: string;
  /** SEND_WINDOW_HOUR: the hour readers get the issue when none is given. */
  defaultHour: number;
  logger: Logger;
  clock?: () => number;
}

export interface LocalSendTime {
  zone: string;
  /** e.g. "Tue 8 Dec 2026, 09:00 GMT", or "at once" when that hour has passed. */
  local: string;
  at: number;
}

export interface ScheduleInput {
  date?: string;
  hour?: number;
  sendNow?: boolean;
}

function checkId(id: string): void {
  if (!SLUG.test(id)) throw new NewsletterError('invalid', `"${id.slice(0, 70)}" is not an issue id: use lower-case letters, digits and "-" (at most 64).`);
}

/** A real calendar date as YYYY-MM-DD. */
export function checkDate(date: string): void {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
    throw new NewsletterError('invalid', `"${date.slice(0, 20)}" is not a date; write it as YYYY-MM-DD, e.g. 2026-12-08.`);
  }
}

export function checkHour(hour: number): void {
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new NewsletterError('invalid', `The hour must be a whole number from 0 to 23, not ${hour}.`);
}

export function formatLocal(at: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

export class NewsletterService {
  private readonly now: () => number;

  constructor(private readonly deps: NewsletterServiceDeps) {
    this.now = deps.clock ?? Date.now;
  }

  /** Parses Markdown; throws NewsletterError listing each file:line problem. */
  parse(source: string, file: string): ParsedIssue {
    try {
      return parseIssueMarkdown(source, file);
    } catch (err) {
      if (err instanceof IssueFileError) {
        const lines = err.message.split('\n');
        throw new NewsletterError('invalid', lines.length === 1 ? lines[0]! : `${lines[0]!} (and ${lines.length - 1} more problem${lines.length === 2 ? '' : 's'})`, lines);
      }
      throw err;
    }
  }

  async get(id: string): Promise<IssueRecord> {
    checkId(id);
    const issue = await this.deps.store.get(id);
    if (!issue) throw new NewsletterError('not-found', `There is no issue "${id}"; \`npm run newsletter -- list\` shows the issues.`);
    return issue;
  }

  list(limit?: number): Promise<IssueRecord[]> {
    return this.deps.store.list(limit);
  }

  /** Creates a draft or replaces its Markdown. Refused once the issue has started sending. */
  async save(id: string, source: string, file: string): Promise<{ issue: IssueRecord; parsed: ParsedIssue; created: boolean }> {
    checkId(id);
    const parsed = this.parse(source, file);
    const { outcome, state } = await this.deps.store.save(id, source, file, parsed.blockingClaims.length > 0, this.now());
    if (outcome === 'frozen') {
      throw new NewsletterError(
        'conflict',
        `Issue "${id}" is ${state === 'cancelled' ? 'cancelled after it started sending' : state}: its content is frozen so every reader gets the same words. Save your changes as a new issue (a new file name).`,
      );
    }
    if (outcome === 'claims') {
      throw new NewsletterError(
        'conflict',
        `Issue "${id}" is scheduled and the new text has health claims to reword or acknowledge: ${parsed.blockingClaims.map((c) => `"${c.phrase}" (line ${c.line})`).join(', ')}.`,
        parsed.blockingClaims.map((c) => formatClaim(file, c)),
      );
    }
    return { issue: await this.get(id), parsed, created: outcome === 'created' };
  }

  /** Local send times of a schedule in a few zones and the clinic's. */
  sampleTimes(input: { date: string; hour: number; sendNow: boolean }, now = this.now()): LocalSendTime[] {
    const zones = [...new Set([this.deps.clinicTimeZone, ...SAMPLE_ZONES])].filter((z) => isValidTimeZone(z));
    return zones.map((zone) => {
      const at = readerSendAt(input, zone, this.deps.clinicTimeZone, now);
      return at <= now ? { zone, local: `at once (${formatLocal(now, zone)})`, at: now } : { zone, local: formatLocal(at, zone), at };
    });
  }

  /** Schedules a draft, reschedules a scheduled or cancelled issue, or (sendNow) sends it to everyone at once. */
  async schedule(id: string, input: ScheduleInput): Promise<{ issue: IssueRecord; times: LocalSendTime[] }> {
    const issue = await this.get(id);
    const now = this.now();
    const sendNow = input.sendNow === true;
    const hour = input.hour ?? this.deps.defaultHour;
    checkHour(hour);
    let date = input.date;
    if (sendNow) date ??= new Date(now).toISOString().slice(0, 10);
    if (!date) throw new NewsletterError('invalid', 'Give the date to send on (YYYY-MM-DD), or send it now.');
    checkDate(date);
    const timing = { date, hour, sendNow };
    if (dateIsOver(timing, now)) {
      throw new NewsletterError('invalid', `${hour}:00 on ${date} has passed in every time zone; pick a later date or send it now.`);
    }
    const parsed = this.parse(issue.source, issue.file || `${id}.md`);
    const result = await this.deps.store.schedule(
      id,
      { date, hour, sendNow, startAt: earliestSendAt(timing, now), blockingClaims: parsed.blockingClaims.length > 0 },
      now,
    );
    if (result.outcome === 'claims') {
      const claims = parsed.blockingClaims;
      throw new NewsletterError(
        'conflict',
        `Issue "${id}" makes ${claims.length} absolute health claim${claims.length === 1 ? '' : 's'} (${claims.map((c) => `"${c.phrase}" line ${c.line}`).join(', ')}); reword ${claims.length === 1 ? 'it' : 'them'} or acknowledge by name in the front matter (acknowledgedClaims).`,
        claims.map((c) => formatClaim(issue.file || `${id}.md`, c)),
      );
    }
    if (result.outcome === 'refused') throw new NewsletterError('conflict', `Issue "${id}" is ${result.detail} and cannot be scheduled again.`);
    if (result.outcome === 'missing') throw new NewsletterError('not-found', `There is no issue "${id}".`);
    this.deps.logger.info({ issue: id, date, hour, sendNow, generation: result.detail }, sendNow ? 'newsletter issue sent now' : 'newsletter issue scheduled');
    return { issue: await this.get(id), times: this.sampleTimes(timing, now) };
  }

  /**
   * Stops the issue: no batch that has not started sends. A batch already
   * handed to the provider finishes (its readers are recorded), so a later
   * reschedule skips them.
   */
  async cancel(id: string): Promise<IssueRecord> {
    const { generation } = await this.get(id);
    const result = await this.deps.store.cancel(id, this.now());
    if (result.outcome === 'refused') throw new NewsletterError('conflict', `Issue "${id}" is ${result.previous}; only a scheduled or sending issue can be cancelled.`);
    // Batches that have not started are dropped now rather than when their hour comes.
    let dropped = 0;
    for (;;) {
      const ids = await this.deps.store.liveBatches(id, Number.MAX_SAFE_INTEGER, 500);
      let progressed = false;
      for (const batchId of ids) {
        const batch = await this.deps.store.loadBatch(batchId);
        if (!batch) {
          await this.deps.store.forgetLive(id, batchId);
          progressed = true;
          continue;
        }
        // Started batches finish; a newer run's batches are not ours to drop.
        if (batch.plan || batch.generation > generation) continue;
        const frozen = await this.deps.store.freeze(batch, { recipients: [], skip: [] });
        if (frozen === 'cancelled') {
          await this.deps.store.complete(batch, { sent: [], failed: [], skipped: {}, cancelled: batch.members.length });
          dropped += 1;
          progressed = true;
        }
      }
      if (!progressed || ids.length < 500) break;
    }
    this.deps.logger.info({ issue: id, droppedBatches: dropped }, 'newsletter issue cancelled');
    return this.get(id);
  }

  async status(id: string): Promise<{ issue: IssueRecord; delivery: Record<string, number>; times: LocalSendTime[] }> {
    const issue = await this.get(id);
    const delivery = await this.deps.store.deliveryStats(id);
    const times = issue.date && issue.hour !== null ? this.sampleTimes({ date: issue.date, hour: issue.hour, sendNow: issue.sendNow }, issue.scheduledAt ?? this.now()) : [];
    return { issue, delivery, times };
  }
}
