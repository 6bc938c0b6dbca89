// /admin/templates: every template on the clinic's configured brand; each one
// in a 600 px and a 375 px sandboxed frame, with its text part, headers and size.
import type { FastifyInstance } from 'fastify';
import { isTemplateId } from '../../render/templates';
import type { AdminContext, AdminSection } from '../context';
import { TemplatePage, TemplatesPage } from '../pages/templates';
import { adminMessage, adminPage, sendEmailFrame } from '../respond';
import { renderSamples, type TemplateSample } from '../templates';

export const templatesSection: AdminSection = {
  path: '/templates',
  title: 'Templates',
  plugin: (app: FastifyInstance, ctx: AdminContext) => {
    const { config, renderContext } = ctx.core;
    // The brand and templates are fixed for the life of the process: render once, on first use.
    let samples: Promise<TemplateSample[]> | undefined;
    const load = () => (samples ??= renderSamples(renderContext.brand, config.emailFrom));

    app.get('/', async (request, reply) =>
      adminPage(request, reply, { title: 'Templates' }, <TemplatesPage samples={await load()} clinicName={config.clinic.name} publicUrl={config.publicUrl} />),
    );

    const find = async (id: string) => (isTemplateId(id) ? (await load()).find((s) => s.id === id) : undefined);

    app.get<{ Params: { id: string } }>('/:id', async (request, reply) => {
      const all = await load();
      const i = all.findIndex((s) => s.id === request.params.id);
      if (!isTemplateId(request.params.id) || i < 0) return adminMessage(request, reply, 404, 'No such template', 'There is no template at this address.');
      return adminPage(
        request,
        reply,
        { title: `Template ${all[i]!.id}` },
        <TemplatePage sample={all[i]!} previous={all[i - 1]?.id ?? null} next={all[i + 1]?.id ?? null} />,
      );
    });

    app.get<{ Params: { id: string } }>('/:id/email.html', async (request, reply) => {
      const sample = await find(request.params.id);
      if (!sample) return adminMessage(request, reply, 404, 'No such template', 'There is no template at this address.');
      return sendEmailFrame(reply, sample.html);
    });
  },
};
