// Rendering helpers for console pages: every section calls adminPage() so its
// page gets the navigation, the signed-in user and a CSRF token.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReactNode } from 'react';
import { sendPage } from '../web/respond';
import { AdminLayout, type NavItem } from './pages/layout';

export interface PageOptions {
  title: string;
  status?: number;
  scripts?: readonly string[];
}

/** The console's navigation; set once when the console is mounted (from src/admin/sections.ts). */
let navigation: readonly NavItem[] = [];
let clinicName = '';
export function setConsoleFrame(nav: readonly NavItem[], name: string): void {
  navigation = nav;
  clinicName = name;
}

const tokens = new WeakMap<FastifyReply, string>();

/** One CSRF token per response, for every form on the page. */
export function csrfToken(reply: FastifyReply): string {
  let token = tokens.get(reply);
  if (!token) {
    token = reply.generateCsrf();
    tokens.set(reply, token);
  }
  return token;
}

/** The nav item this URL belongs to: the longest matching prefix. */
export function currentNav(url: string): string | undefined {
  const path = url.split('?')[0]!;
  return [...navigation]
    .filter((n) => path === n.href || path.startsWith(n.href === '/admin' ? '/admin/\u0000' : `${n.href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]?.href;
}

export function adminPage(request: FastifyRequest, reply: FastifyReply, options: PageOptions, body: ReactNode): FastifyReply {
  return sendPage(
    reply,
    options.status ?? 200,
    <AdminLayout
      clinicName={clinicName}
      title={options.title}
      user={request.session.user ?? null}
      csrfToken={csrfToken(reply)}
      nav={request.session.user ? navigation : []}
      current={currentNav(request.url)}
      scripts={options.scripts ?? []}
    >
      {body}
    </AdminLayout>,
  );
}

/** A console page that says one thing (an error, a result). */
export function adminMessage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  message: ReactNode,
  tone: 'ok' | 'error' | 'info' = 'error',
): FastifyReply {
  return adminPage(
    request,
    reply,
    { title, status },
    <>
      <h1>{title}</h1>
      <div className={`notice ${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
        {message}
      </div>
    </>,
  );
}

/**
 * An email's HTML for a sandboxed preview frame, under its own policy: its
 * inline styles apply, nothing runs, nothing loads but images (https, or
 * Meridian's own sample picture), and only
 * console pages may frame it.
 */
export const EMAIL_FRAME_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; font-src https: data:; frame-ancestors 'self'; sandbox";

export function sendEmailFrame(reply: FastifyReply, html: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('content-security-policy', EMAIL_FRAME_CSP).header('x-frame-options', 'SAMEORIGIN').send(html);
}
