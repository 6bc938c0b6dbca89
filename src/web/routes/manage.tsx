// Signed-link routes: confirm, unsubscribe (incl. RFC 8058 one-click) and
// preferences. A GET only ever shows a page; state changes need a POST,
// because corporate link scanners fetch every link in an email.
import type { ReactNode } from 'react';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebDeps } from '../app';
import { requestMeta } from '../app';
import { PAUSE_CHOICES } from '../../subscribers/service';
import type { Subscriber } from '../../subscribers/types';
import { ConfirmPage, PreferencesPage, UnsubscribePage } from '../pages/manage';
import { MessagePage } from '../pages/message';
import { NextSteps } from '../pages/next-steps';
import { DeleteDataPage } from '../pages/privacy';
import type { FieldError } from '../pages/feedback';
import { brandOf, errorPage, sendPage, wantsJson } from '../respond';

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

export function registerManageRoutes(app: FastifyInstance, deps: WebDeps): void {
  const brand = brandOf(deps.config);
  const { service } = deps;

  async function subscriberFor(request: TokenRequest, reply: FastifyReply, purpose: 'confirm' | 'manage') {
    const resolved = await service.resolveToken(request.params.token, purpose);
    if (!resolved.ok) {
      errorPage(request, reply, deps.config, resolved.status, resolved.message);
      return null;
    }
    return resolved.subscriber;
  }

  /** Unsubscribing works with an expired manage link too; `expired` says to show nothing personal. */
  async function unsubscriberFor(request: TokenRequest, reply: FastifyReply) {
    const resolved = await service.resolveToken(request.params.token, 'manage', { allowExpired: true });
    if (!resolved.ok) {
      errorPage(request, reply, deps.config, resolved.status, resolved.message);
      return null;
    }
    return resolved;
  }

  const done = (reply: FastifyReply, title: string, text: string, tone: 'ok' | 'info' = 'ok', next?: ReactNode) =>
    sendPage(
      reply,
      200,
      <MessagePage brand={brand} title={title} tone={tone}>
        <p>{text}</p>
        {next}
      </MessagePage>,
    );
  // Next steps, so the outcome pages are not dead ends.
  const afterConfirm = (
    <NextSteps
      links={[
        { href: deps.config.clinic.bookingUrl, label: 'Book a visit to the clinic' },
        { href: '/', label: 'Back to the home page' },
      ]}
    />
  );
  const afterUnsubscribe = (token: string) => (
    <NextSteps
      links={[
        { href: '/', label: 'Changed your mind? Sign up again' },
        { href: `/preferences/${token}`, label: 'Download or delete your data' },
      ]}
    />
  );

  app.get<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply, 'confirm');
    if (!subscriber) return reply;
    if (subscriber.status === 'active' || subscriber.status === 'paused') {
      return done(reply, 'Already confirmed', 'Your subscription is already confirmed. There is nothing more to do.', 'info', afterConfirm);
    }
    if (subscriber.status !== 'pending') return notPending(reply, subscriber);
    return sendPage(reply, 200, <ConfirmPage brand={brand} action={request.url} email={subscriber.email} />);
  });

  app.post<{ Params: { token: string } }>('/confirm/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply, 'confirm');
    if (!subscriber) return reply;
    const result = await service.confirm(subscriber, requestMeta(request));
    if (result === 'confirmed') {
      deps.metrics.lifecycle.inc({ event: 'confirmed', source: 'confirm-page' });
      return done(reply, 'You are subscribed', 'Thank you for confirming. Your first email is on its way.', 'ok', afterConfirm);
    }
    if (result === 'already') {
      return done(reply, 'Already confirmed', 'Your subscription is already confirmed. There is nothing more to do.', 'info', afterConfirm);
    }
    const fresh = await service.resolveToken(request.params.token, 'confirm');
    return notPending(reply, fresh.ok ? fresh.subscriber : subscriber);
  });

  app.get<{ Params: { token: string } }>('/unsubscribe/:token', async (request, reply) => {
    const resolved = await unsubscriberFor(request, reply);
    if (!resolved) return reply;
    const { subscriber, expired } = resolved;
    if (!isReceiving(subscriber)) {
      return done(reply, 'You are unsubscribed', 'This address will not receive any more emails from us.', 'info', afterUnsubscribe(request.params.token));
    }
    return sendPage(
      reply,
      200,
      <UnsubscribePage
        brand={brand}
        action={request.url}
        preferencesUrl={expired ? null : `/preferences/${request.params.token}`}
        email={expired ? null : subscriber.email}
      />,
    );
  });

  // RFC 8058 one-click: a POST with List-Unsubscribe=One-Click, form-urlencoded
  // or multipart, no cookie, no redirect, 200, idempotent.
  app.post<{ Params: { token: string } }>('/unsubscribe/:token', async (request, reply) => {
    const resolved = await unsubscriberFor(request, reply);
    if (!resolved) return reply;
    const { subscriber } = resolved;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body['List-Unsubscribe'] !== 'One-Click') {
      return errorPage(request, reply, deps.config, 400, 'Expected the form field List-Unsubscribe=One-Click.');
    }
    const fromPage = String(request.headers.accept ?? '').includes('text/html');
    const result = await service.unsubscribe(subscriber, fromPage ? 'unsubscribe-page' : 'one-click', requestMeta(request));
    if (result === 'unsubscribed') deps.metrics.lifecycle.inc({ event: 'unsubscribed', source: fromPage ? 'page' : 'one-click' });
    if (wantsJson(request)) return reply.code(200).send({ ok: true, status: 'unsubscribed' });
    if (!fromPage) return reply.code(200).type('text/plain; charset=utf-8').send('Unsubscribed.\n');
    return done(reply, 'You are unsubscribed', 'You will not receive any more emails from us. We are sorry to see you go.', 'ok', afterUnsubscribe(request.params.token));
  });

  const preferences = (
    reply: FastifyReply,
    request: TokenRequest,
    subscriber: Subscriber,
    status = 200,
    notice?: string,
    error?: FieldError,
  ) =>
    sendPage(
      reply,
      status,
      <PreferencesPage
        brand={brand}
        action={request.url}
        email={subscriber.email}
        status={subscriber.status}
        topics={subscriber.topics}
        pausedUntil={subscriber.pausedUntil ? formatDate(subscriber.pausedUntil, subscriber.timeZone ?? deps.config.clinic.timeZone) : null}
        pauseChoices={PAUSE_CHOICES}
        {...(notice ? { notice } : {})}
        {...(error ? { errors: [error] } : {})}
      />,
    );

  app.get<{ Params: { token: string } }>('/preferences/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply, 'manage');
    if (!subscriber) return reply;
    return preferences(reply, request, subscriber);
  });

  app.post<{ Params: { token: string } }>('/preferences/:token', async (request, reply) => {
    const subscriber = await subscriberFor(request, reply, 'manage');
    if (!subscriber) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const meta = requestMeta(request);
    const action = body.action;
    // Privacy actions work whatever the status (an unsubscribed person may still want their data).
    if (action === 'download') {
      const data = await service.exportData(subscriber);
      if (!data) return errorPage(request, reply, deps.config, 404, 'We could not find a subscription for this link. It may have been deleted.');
      return reply
        .code(200)
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="my-data-${new Date(data.exportedAt).toISOString().slice(0, 10)}.json"`)
        .header('cache-control', 'no-store')
        .send(JSON.stringify(data, null, 2));
    }
    if (action === 'delete') {
      return sendPage(reply, 200, <DeleteDataPage brand={brand} action={request.url} email={subscriber.email} preferencesUrl={request.url} />);
    }
    if (action === 'delete-confirmed') {
      await service.erase(subscriber);
      deps.metrics.lifecycle.inc({ event: 'erased', source: 'preferences-page' });
      return done(reply, 'Your data is deleted', 'We have deleted your address, name, consent record and send history. We will not email you again.', 'ok', <NextSteps links={[{ href: '/', label: 'Sign up again on the home page' }]} />);
    }
    if (!isReceiving(subscriber) && action !== 'unsubscribe') {
      return preferences(reply, request, subscriber, 409, undefined, refusal('This address is unsubscribed. Sign up again to receive emails.'));
    }
    // Unsubscribing is never limited; every other change is (each one is a consent-ledger entry).
    if (action !== 'unsubscribe') {
      const wait = await service.preferenceChangeAllowed(subscriber);
      if (wait !== null) {
        reply.header('retry-after', String(wait));
        return preferences(reply, request, subscriber, 429, undefined, refusal('Too many changes in a short time. Please try again in a little while.'));
      }
    }
    let notice: string;
    if (action === 'save') {
      const result = await service.savePreferences(subscriber, body.topics, meta);
      if ('ok' in result) return preferences(reply, request, subscriber, result.status, undefined, refusal(result.message, result.field));
      deps.metrics.lifecycle.inc({ event: 'preferences-changed', source: 'preferences-page' });
      notice = result.topics.length === 0 ? 'Saved. You chose no topics, so we will not email you.' : 'Your choices are saved.';
    } else if (action === 'pause') {
      const result = await service.pause(subscriber, body.days, meta);
      if ('ok' in result) return preferences(reply, request, subscriber, result.status, undefined, refusal(result.message, result.field));
      deps.metrics.lifecycle.inc({ event: 'paused', source: 'preferences-page' });
      notice = `Paused. We will not email you until ${formatDate(result.until, subscriber.timeZone ?? deps.config.clinic.timeZone)}.`;
    } else if (action === 'resume') {
      if (subscriber.status !== 'paused') {
        notice = 'Your emails are not paused.';
      } else {
        await service.resume(subscriber, meta);
        deps.metrics.lifecycle.inc({ event: 'resumed', source: 'preferences-page' });
        notice = 'Welcome back: your emails are running again.';
      }
    } else if (action === 'unsubscribe') {
      const result = await service.unsubscribe(subscriber, 'preferences-page', meta);
      if (result === 'unsubscribed') deps.metrics.lifecycle.inc({ event: 'unsubscribed', source: 'preferences-page' });
      return done(reply, 'You are unsubscribed', 'You will not receive any more emails from us.', 'ok', afterUnsubscribe(request.params.token));
    } else {
      return preferences(reply, request, subscriber, 400, undefined, refusal('Please use one of the buttons on this page.'));
    }
    const fresh = await service.resolveToken(request.params.token, 'manage');
    return preferences(reply, request, fresh.ok ? fresh.subscriber : subscriber, 200, notice);
  });

  function notPending(reply: FastifyReply, subscriber: Subscriber) {
    const text =
      subscriber.status === 'unsubscribed'
        ? 'This subscription was cancelled.'
        : 'This address cannot be subscribed. If you think this is a mistake, please contact the clinic.';
    return sendPage(
      reply,
      409,
      <MessagePage brand={brand} title="This link no longer applies" tone="info">
        <p>{text}</p>
        {subscriber.status === 'unsubscribed' ? (
          <p>
            To subscribe again, <a href="/">use the signup form</a>.
          </p>
        ) : null}
      </MessagePage>,
    );
  }
}

function refusal(message: string, field = 'form'): FieldError {
  return { field, message };
}

function isReceiving(s: Subscriber): boolean {
  return s.status === 'active' || s.status === 'paused' || s.status === 'pending';
}

function formatDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone }).format(new Date(ms));
}
