// GET /admin: the numbers a marketer checks every week.
import type { FastifyInstance } from 'fastify';
import type { AdminContext, AdminSection } from '../context';
import { adminPage } from '../respond';
import { loadOverview } from '../overview';
import { OverviewPage } from '../pages/overview';

export const overviewSection: AdminSection = {
  path: '',
  title: 'Overview',
  plugin: (app: FastifyInstance, ctx: AdminContext) => {
    app.get('/', async (request, reply) => {
      const data = await loadOverview(ctx, Date.now());
      return adminPage(request, reply, { title: 'Overview', scripts: ['/admin/static/chart.umd.min.js', '/admin/static/overview.js'] }, <OverviewPage data={data} />);
    });
  },
};
