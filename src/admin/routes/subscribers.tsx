// /admin/subscribers: search, filtered lists, one subscriber's story and the
// actions on it. Thin: the directory, the store and the service do the work.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfirmationQueue } from '../../delivery/transactional';
import { ruleFromConfig } from '../../drip/scheduler';
import { canonicalAddress } from '../../subscribers/address';
import { Directory } from '../../subscribers/directory';
import type { Subscriber } from '../../subscribers/types';
import { SubscriberEvents } from '../../webhooks/subscriber-events';
import type { AdminContext, AdminSection } from '../context';
import { listFilterOf } from '../list-filter';
import { explainNextSend } from '../next-send';
import { SubscriberPage } from '../pages/subscriber';
import { SubscribersPage } from '../pages/subscribers';
import { adminMessage, adminPage, csrfToken } from '../respond';
import { buildTimeline } from '../timeline';

const ID = /^[A-Za-z0-9-]{1,64}$/;
const NOTICES: Record<string, string> = {
  erased: 'The subscriber was erased. Only the tombstone remains.',
  confirmation: 'A new confirmation email is on its way (paced like every other email).',
  paused: 'Paused.',
  unsubscribed: 'Unsubscribed. Nothing more will be sent.',
};

type Query = Record<string, string | undefined>;
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);

const byAdmin = (request: FastifyRequest) => `console (${request.session.user ?? 'admin'})`;
const noMeta = { ip: null, userAgent: null };

export function registerSubscriberRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const { core } = ctx;
  const directory = new Directory(core.redis, core.keys, core.store);
  const events = new SubscriberEvents(core.redis, core.keys);
  const confirmations = new ConfirmationQueue(core.sendQueue);

  async function load(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<Subscriber | null> {
    const id = request.params.id;
    const s = ID.test(id) ? await core.store.get(id) : null;
    if (!s) adminMessage(request, reply, 404, 'Not found', 'No subscriber with that id. They may have been erased.');
    return s;
  }

  async function show(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, s: Subscriber, extra: { notice?: string; error?: string; status?: number } = {}) {
    const [ledger, exported, evts, due] = await Promise.all([
      core.store.ledger(s.id),
      core.store.exportData(s.id),
      events.list(s.id),
      core.redis.zscore(core.keys.due, s.id),
    ]);
    const timeline = buildTimeline(ledger, exported?.sends ?? [], evts);
    const next = explainNextSend(s, due === null ? null : Number(due), Date.now(), ruleFromConfig(core.config));
    return adminPage(
      request,
      reply,
      { title: s.email, status: extra.status ?? 200 },
      <SubscriberPage s={s} next={next} timeline={timeline} token={csrfToken(reply)} notice={extra.notice} error={extra.error} />,
    );
  }

  app.get<{ Querystring: Query }>('/', async (request, reply) => {
    const q = request.query;
    const search = (one(q.q) ?? '').trim().slice(0, 320);
    const notice = NOTICES[one(q.done) ?? ''];
    if (search) {
      const found = search.includes('@') ? await core.store.findByCanonical(canonicalAddress(search)) : ID.test(search) ? await core.store.get(search) : null;
      if (found) return reply.redirect(`/admin/subscribers/${found.id}`, 303);
      return adminPage(request, reply, { title: 'Subscribers' }, <SubscribersPage q={search} filter={{}} rows={[]} next={null} searched notice={notice} queryString={() => ''} />);
    }
    const filter = listFilterOf(q);
    const page = await directory.list(filter, one(q.cursor), 50);
    const queryString = (cursor: string) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(filter)) if (v) p.set(k, String(v));
      p.set('cursor', cursor);
      return p.toString();
    };
    return adminPage(
      request,
      reply,
      { title: 'Subscribers' },
      <SubscribersPage q="" filter={filter} rows={page.rows} next={page.next} searched={false} notice={notice} queryString={queryString} />,
    );
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/:id', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    return show(request, reply, s, { notice: NOTICES[one(request.query.done) ?? ''] });
  });

  app.get<{ Params: { id: string } }>('/:id/export.json', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    const data = await core.store.exportData(s.id);
    const providerEvents = await events.list(s.id);
    request.log.info({ subscriberId: s.id, admin: request.session.user }, 'subscriber data exported from the console');
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="subscriber-${s.id}.json"`)
      .send(JSON.stringify({ ...data, providerEvents }, null, 2));
  });

  app.post<{ Params: { id: string } }>('/:id/resend-confirmation', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    const at = await core.store.renewConfirmation(s.id);
    if (at === null) return show(request, reply, s, { error: 'Only a pending subscriber gets a confirmation email.', status: 409 });
    await confirmations.request({ subscriberId: s.id, confirmationAt: at });
    request.log.info({ subscriberId: s.id, admin: request.session.user }, 'confirmation resent from the console');
    return reply.redirect(`/admin/subscribers/${s.id}?done=confirmation`, 303);
  });

  app.post<{ Params: { id: string }; Body: { days?: string } }>('/:id/pause', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    const days = Number(one(request.body?.days));
    if (![7, 14, 30, 90].includes(days)) return show(request, reply, s, { error: 'Choose a pause of 7, 14, 30 or 90 days.', status: 400 });
    const result = await core.store.pause(s.id, Date.now() + days * 86_400_000, noMeta, byAdmin(request));
    if (result !== 'ok') return show(request, reply, s, { error: 'Only an active subscription can be paused.', status: 409 });
    return reply.redirect(`/admin/subscribers/${s.id}?done=paused`, 303);
  });

  app.post<{ Params: { id: string } }>('/:id/unsubscribe', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    const result = await core.store.unsubscribe(s.id, byAdmin(request), noMeta);
    if (result !== 'ok') return show(request, reply, s, { error: 'This subscriber is not subscribed.', status: 409 });
    return reply.redirect(`/admin/subscribers/${s.id}?done=unsubscribed`, 303);
  });

  app.post<{ Params: { id: string }; Body: { confirmEmail?: string } }>('/:id/erase', async (request, reply) => {
    const s = await load(request, reply);
    if (!s) return reply;
    const typed = (one(request.body?.confirmEmail) ?? '').trim();
    if (!typed || canonicalAddress(typed) !== s.canonical) {
      return show(request, reply, s, { error: 'The typed address does not match this subscriber. Nothing was erased.', status: 400 });
    }
    // Through the service: Redis data and counters, and the mail copies on disk too.
    await core.service.erase(s);
    request.log.info({ subscriberId: s.id, admin: request.session.user }, 'subscriber erased from the console');
    return reply.redirect('/admin/subscribers?done=erased', 303);
  });
}

export const subscribersSection: AdminSection = {
  path: '/subscribers',
  title: 'Subscribers',
  plugin: registerSubscriberRoutes,
};
