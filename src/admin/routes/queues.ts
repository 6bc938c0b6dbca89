// /admin/queues: Bull Board behind the console's sign-in. Its UI (axios) sends
// the CSRF token from the XSRF-TOKEN cookie as X-XSRF-TOKEN on every same-origin
// request, which @fastify/csrf-protection reads, so retries and other actions
// pass the same CSRF check as every console form.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { AdminContext, AdminSection } from '../context';

// Bull Board's page loads its own scripts and styles (no CDN fonts: the
// connect-src/style-src below keep it on this origin) and sets inline styles.
const BOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

export async function registerQueueBoard(app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: [new BullMQAdapter(ctx.queues.send), new BullMQAdapter(ctx.queues.scheduler, { readOnlyMode: true })],
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: `${ctx.core.config.clinic.name} queues`,
        // The board is a page of its own: a way back to the console, and no link off to the (online) docs site.
        miscLinks: [{ text: 'Back to the console', url: '/admin' }],
        hideDocsLink: true,
      },
    },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', BOARD_CSP);
      // The board's page links Google Fonts; the console loads nothing from elsewhere (offline clinics), so the
      // link goes and the board falls back to system fonts.
      if (typeof payload === 'string') payload = payload.replace(/<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>/g, '');
      // Readable by the board's own script (not HttpOnly), sent only to /admin/queues, never cross-site.
      reply.header(
        'set-cookie',
        [
          ...[reply.getHeader('set-cookie') ?? []].flat().map(String),
          `XSRF-TOKEN=${reply.generateCsrf()}; Path=/admin/queues; SameSite=Strict${ctx.core.config.publicUrl.startsWith('https:') ? '; Secure' : ''}`,
        ],
      );
    }
    void request;
    return payload;
  });
  await app.register(serverAdapter.registerPlugin());
}

export const queuesSection: AdminSection = {
  path: '/queues',
  title: 'Queues',
  plugin: registerQueueBoard,
};
