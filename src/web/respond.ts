import type { FastifyReply, FastifyRequest } from 'fastify';
import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { Config } from '../config';
import type { PageBrand } from './pages/layout';
import { MessagePage } from './pages/message';

/** JSON for the API, webhooks and clients that ask for it; HTML pages for browsers. */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url;
  if (path.startsWith('/api/') || path.startsWith('/webhooks/')) return true;
  const accept = String(request.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

export function brandOf(config: Config): PageBrand {
  return { clinicName: config.clinic.name, postalAddress: config.clinic.postalAddress };
}

/** React escapes every value it renders, so names and addresses are safe in pages. */
export function sendPage(reply: FastifyReply, status: number, page: ReactElement): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${renderToStaticMarkup(page)}`);
}

export function errorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  status: number,
  message: string,
  extra: { field?: string; retryAfterSeconds?: number } = {},
): FastifyReply {
  if (extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(extra.retryAfterSeconds));
  if (wantsJson(request)) {
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .send({ ok: false, error: { status, message, ...(extra.field ? { field: extra.field } : {}) } });
  }
  const title = status === 404 ? 'Not found' : status === 429 ? 'Please slow down' : status >= 500 ? 'Sorry, something went wrong' : 'That did not work';
  return sendPage(reply, status, createElement(MessagePage, { brand: brandOf(config), title, tone: 'error', children: message }));
}
