// Console assets, served by Meridian itself (no CDN; CSP script-src 'self').
// The stylesheet is public because the sign-in page needs it; scripts, chart.js
// included, are only served to a signed-in admin.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const read = (rel: string) => readFileSync(new URL(rel, import.meta.url));

const CSS = { type: 'text/css; charset=utf-8', body: read('./static/admin.css') };

const SCRIPTS: Record<string, { type: string; body: Buffer }> = {
  'chart.umd.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js')) },
  'overview.js': { type: 'text/javascript; charset=utf-8', body: read('./static/overview.js') },
  'import.js': { type: 'text/javascript; charset=utf-8', body: read('./static/import.js') },
};

export function registerPublicAssets(app: FastifyInstance): void {
  // The layout links /admin/static/admin.css; this route is outside the /admin scope (the sign-in page needs it).
  app.get('/admin/static/admin.css', async (_request, reply) =>
    reply.type(CSS.type).header('cache-control', 'public, max-age=3600').send(CSS.body),
  );
}

/** Inside the authenticated scope: /admin/static/:name. */
export function registerConsoleAssets(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/static/:name', async (request, reply) => {
    const file = SCRIPTS[request.params.name];
    if (!file) return reply.code(404).type('text/plain').send('Not found');
    return reply.type(file.type).header('cache-control', 'private, max-age=3600').send(file.body);
  });
}
