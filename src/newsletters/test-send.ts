// Test sends: an issue or any drip template to one to five given addresses,
// "[Test]" in the subject. No reader is involved, so no send ledger is
// touched; the links in it are bound to a non-existent subscriber and do
// nothing. Limited per actor, shared by every process through Redis.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connection';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Transport } from '../delivery/transport';
import type { Keys } from '../redis/keys';
import { renderEmail } from '../render/render';
import { getTemplate, type TemplateId } from '../render/templates';
import type { RenderContext } from '../render/types';
import { checkAddress } from '../subscribers/address';
import { NewsletterError } from './errors';
import type { NewsletterIssue } from './issue';

export const MAX_TEST_RECIPIENTS = 5;
/** Test emails one actor (a console user, the CLI) may send per hour. */
export const TEST_SENDS_PER_HOUR = 30;
/** The subscriber id test emails are rendered for: no subscriber has it, so its links change nothing. */
export const TEST_SUBSCRIBER_ID = 'test-send';

export interface TestSendDeps {
  redis: RedisClient;
  keys: Keys;
  transport: Transport;
  renderContext: RenderContext;
  from: string;
}

export interface TestSendInput {
  template: TemplateId;
  /** Required for the newsletter template. */
  issue?: NewsletterIssue;
  to: string[];
  /** Who asks ("cli", a console user's id): the limit is per actor. */
  actor: string;
  now: number;
}

const limiters = new WeakMap<RedisClient, RateLimiterRedis>();

function limiter(deps: TestSendDeps): RateLimiterRedis {
  let l = limiters.get(deps.redis);
  if (!l) {
    l = new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: deps.keys.scoped('rl', 'test-send'), points: TEST_SENDS_PER_HOUR, duration: 3600 });
    limiters.set(deps.redis, l);
  }
  return l;
}

/** Checks the addresses: one to five valid ones, no duplicates. Returns them trimmed. */
export function checkTestRecipients(input: readonly string[]): string[] {
  const list = input.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new NewsletterError('invalid', 'Give at least one address to send the test to.');
  if (list.length > MAX_TEST_RECIPIENTS) throw new NewsletterError('invalid', `A test goes to at most ${MAX_TEST_RECIPIENTS} addresses; ${list.length} were given.`);
  const out: string[] = [];
  for (const raw of list) {
    const checked = checkAddress(raw);
    if (!checked.ok) throw new NewsletterError('invalid', `${JSON.stringify(raw.slice(0, 80))}: ${checked.message}`);
    if (!out.includes(checked.email)) out.push(checked.email);
  }
  return out;
}

export async function sendTest(deps: TestSendDeps, input: TestSendInput): Promise<{ sent: string[]; subject: string }> {
  const to = checkTestRecipients(input.to);
  const def = getTemplate(input.template);
  if (def.requires.includes('newsletter') && !input.issue) throw new NewsletterError('invalid', 'A newsletter test needs an issue.');
  try {
    await limiter(deps).consume(input.actor, to.length);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const minutes = Math.max(1, Math.ceil(err.msBeforeNext / 60_000));
      throw new NewsletterError('rate-limited', `Test sends are limited to ${TEST_SENDS_PER_HOUR} emails an hour; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    throw err;
  }
  const context: RenderContext = input.issue ? { ...deps.renderContext, newsletter: input.issue } : deps.renderContext;
  const emails = await Promise.all(
    to.map(async (email) => {
      const rendered = await renderEmail(
        input.template,
        {
          subscriberId: TEST_SUBSCRIBER_ID,
          email,
          canonical: email.toLowerCase(),
          firstName: null,
          confirmUrl: def.requires.includes('confirmUrl') ? deps.renderContext.links.confirmUrl(TEST_SUBSCRIBER_ID, email.toLowerCase(), input.now) : undefined,
        },
        context,
      );
      return {
        from: deps.from,
        to: email,
        subject: `[Test] ${rendered.subject}`,
        html: rendered.html,
        text: rendered.text,
        headers: rendered.headers,
        // No `send` tag: webhooks about a test never touch a reader.
        tags: [
          { name: 'template', value: input.template },
          { name: 'test', value: 'true' },
        ],
      };
    }),
  );
  const outcomes = await deps.transport.sendBatch(emails, { idempotencyKey: `test-${randomUUID()}` });
  const refused = outcomes.map((o, i) => (o.ok ? null : `${to[i]}: ${o.reason}`)).filter(Boolean);
  if (refused.length > 0) throw new NewsletterError('invalid', `The provider refused the test for ${refused.join('; ')}`);
  return { sent: to, subject: emails[0]!.subject };
}
