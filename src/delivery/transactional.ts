// One-off emails that go out at once, outside the drip queue: the double
// opt-in confirmation. Rendered from the same templates, sent through the same
// transport, with the same unsubscribe headers.
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import { renderEmail } from '../render/render';
import type { RenderContext } from '../render/types';
import type { Links } from '../security/tokens';
import type { ConfirmationSender } from '../subscribers/service';
import type { Subscriber } from '../subscribers/types';
import type { Transport } from './transport';

export class TransactionalMailer implements ConfirmationSender {
  constructor(
    private readonly deps: {
      transport: Transport;
      context: RenderContext;
      links: Links;
      from: string;
      logger: Logger;
      metrics: Metrics;
      clock?: () => number;
    },
  ) {}

  async sendConfirmation(subscriber: Subscriber): Promise<void> {
    const now = (this.deps.clock ?? Date.now)();
    const rendered = await renderEmail(
      'confirm',
      {
        subscriberId: subscriber.id,
        email: subscriber.email,
        canonical: subscriber.canonical,
        firstName: subscriber.firstName,
        confirmUrl: this.deps.links.confirmUrl(subscriber.id, subscriber.canonical, now),
      },
      this.deps.context,
    );
    const [outcome] = await this.deps.transport.sendBatch(
      [
        {
          from: this.deps.from,
          to: subscriber.email,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          headers: rendered.headers,
          tags: [
            { name: 'template', value: 'confirm' },
            { name: 'send', value: `${subscriber.id}_confirm` },
          ],
        },
      ],
      // Unique per attempt: each fresh confirmation email is a new message.
      { idempotencyKey: `confirm-${subscriber.id}-${now}` },
    );
    if (!outcome || !outcome.ok) {
      this.deps.metrics.emailsFailed.inc({ transport: this.deps.transport.name, template: 'confirm', reason: 'rejected' });
      throw new Error(`Confirmation email to subscriber ${subscriber.id} was rejected: ${outcome && !outcome.ok ? outcome.reason : 'no outcome'}`);
    }
    this.deps.metrics.emailsSent.inc({ transport: this.deps.transport.name, template: 'confirm' });
    this.deps.logger.info({ subscriberId: subscriber.id, providerId: outcome.providerId }, 'confirmation email sent');
  }
}
