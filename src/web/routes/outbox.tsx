// /outbox: the development mail catcher. Lists the .eml files the outbox
// transport wrote (search by address or subject, new mail pushed by
// server-sent events), shows one as HTML (desktop or 375 px), text, headers
// or raw source, and deletes them all. Never mounted in production.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config';
import type { OutboxTransport } from '../../delivery/outbox';
import { OutboxFeed } from '../outbox/feed';
import { matches, parseMessage, SummaryCache, withLinksInNewTab, type MailSummary } from '../outbox/message';
import { OutboxListPage, OutboxMessagePage, TABS, type Tab } from '../outbox/pages';
import { errorPage, sendPage } from '../respond';

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'outbox.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('../outbox/static/outbox.css', import.meta.url)) },
  'outbox.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('../outbox/static/outbox.js', import.meta.url)) },
};

const LIST_LIMIT = 500;

// The email's own HTML, in a sandbox: no scripts (no allow-scripts, and
// default-src 'none'), framed only by the viewer; same-origin so the viewer can
// measure it, popups allowed and escaping the sandbox so links work.
const EMAIL_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https:; " +
  "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'";

export interface OutboxRouteOptions {
  /** How often the live feed looks for new files. */
  feedIntervalMs?: number;
  /** Seconds between SSE keep-alive comments. */
  keepAliveMs?: number;
}

/**
 * A state change from another site (a hostile page posting a form) is refused.
 * Browsers say where a request comes from in Sec-Fetch-Site; the pages send
 * no referrer, so Chromium's Origin on their own form posts is "null" and
 * cannot be compared. Without either header (curl) the request is allowed.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return URL.canParse(origin) && new URL(origin).host === request.headers.host;
}

export function registerOutboxRoutes(app: FastifyInstance, config: Config, outbox: OutboxTransport, options: OutboxRouteOptions = {}): void {
  const cache = new SummaryCache();
  const feed = new OutboxFeed(outbox, options.feedIntervalMs ?? 1000);
  const streams = new Set<import('node:http').ServerResponse>();
  // Open event streams would hold the server open on shutdown: end them first.
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
    feed.stop();
  });
  const notFound = (request: FastifyRequest, reply: Parameters<typeof errorPage>[1]) =>
    errorPage(request, reply, config, 404, 'No such email in the outbox. It may have been deleted.');

  app.get<{ Params: { name: string } }>('/outbox/static/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (!asset) return errorPage(request, reply, config, 404, 'There is nothing at this address.');
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });

  app.get<{ Querystring: { q?: unknown } }>('/outbox', async (request, reply) => {
    const query = typeof request.query.q === 'string' ? request.query.q.trim().slice(0, 200) : '';
    const entries = (await outbox.list()).slice(0, LIST_LIMIT);
    const summaries = (await Promise.all(entries.map((e) => cache.get(e.file, (f) => outbox.read(f))))).filter(
      (s): s is MailSummary => s !== null,
    );
    return sendPage(reply, 200, <OutboxListPage dir={config.outboxDir} query={query} total={summaries.length} mails={summaries.filter((s) => matches(s, query))} />);
  });

  // Server-sent events: "mail" when new files appear, "cleared" when the folder empties.
  app.get('/outbox/events', async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    let closed = false;
    let end = () => {
      closed = true;
    };
    request.raw.on('close', () => {
      streams.delete(res);
      end();
    });
    res.on('error', () => end());
    const unsubscribe = await feed.subscribe((event) => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event.type === 'mail' ? { files: event.files } : {})}\n\n`);
    });
    if (closed) return unsubscribe();
    // Written once the feed knows the current files: from here on, every new one is announced.
    res.write('retry: 2000\n\n');
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
    end = () => {
      clearInterval(keepAlive);
      unsubscribe();
    };
  });

  app.post('/outbox/delete-all', async (request, reply) => {
    if (!sameOrigin(request)) {
      return errorPage(request, reply, config, 403, 'Emails can only be deleted from the outbox page itself.');
    }
    await outbox.clear();
    cache.clear();
    return reply.code(303).header('location', '/outbox').send();
  });

  app.get<{ Params: { file: string }; Querystring: { tab?: unknown; view?: unknown } }>('/outbox/:file', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return notFound(request, reply);
    const tab: Tab = (TABS as readonly unknown[]).includes(request.query.tab) ? (request.query.tab as Tab) : 'html';
    const mail = await parseMessage(request.params.file, raw);
    return sendPage(reply, 200, <OutboxMessagePage mail={mail} tab={tab} mobile={request.query.view === 'mobile'} />);
  });

  app.get<{ Params: { file: string } }>('/outbox/:file/html', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return notFound(request, reply);
    const mail = await parseMessage(request.params.file, raw);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', EMAIL_CSP)
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .send(withLinksInNewTab(mail.html));
  });

  app.get<{ Params: { file: string } }>('/outbox/:file/raw', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return notFound(request, reply);
    return reply.type('message/rfc822').header('content-disposition', `attachment; filename="${request.params.file}"`).send(raw);
  });
}
