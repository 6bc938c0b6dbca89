// /admin/export: a streamed CSV of subscribers, optionally by status.
import type { FastifyInstance } from 'fastify';
import { Directory } from '../../subscribers/directory';
import { STATUSES } from '../../subscribers/types';
import type { AdminContext, AdminSection } from '../context';
import { exportCsv, EXPORT_COLUMNS } from '../export';
import { listFilterOf } from '../list-filter';
import { adminPage } from '../respond';

export function registerExportRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const directory = new Directory(ctx.core.redis, ctx.core.keys, ctx.core.store);

  app.get('/', async (request, reply) =>
    adminPage(
      request,
      reply,
      { title: 'Export' },
      <>
        <h1>Export subscribers</h1>
        <p>A CSV file with one line per subscriber: {EXPORT_COLUMNS.join(', ')}. It streams, so even a very long list starts downloading at once.</p>
        <form method="get" action="/admin/export/subscribers.csv" className="filters">
          <div className="field">
            <label htmlFor="status">Status</label>
            <select id="status" name="status" defaultValue="">
              <option value="">every status</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">Download CSV</button>
        </form>
        <p className="small">For one person’s full record (GDPR Art. 15 and 20), open them under Subscribers and use “Export JSON”.</p>
      </>,
    ),
  );

  app.get<{ Querystring: { status?: string } }>('/subscribers.csv', async (request, reply) => {
    // The export form offers the status alone.
    const filter = listFilterOf({ status: request.query.status });
    request.log.info({ admin: request.session.user, status: filter.status ?? 'any' }, 'subscriber CSV export');
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="subscribers-${filter.status ?? 'all'}-${day}.csv"`)
      .send(exportCsv(directory, filter));
  });
}

export const exportSection: AdminSection = { path: '/export', title: 'Export', plugin: registerExportRoutes };
