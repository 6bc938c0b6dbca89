// /admin/newsletters: thin routes from HTTP to NewsletterService and back,
// mounted by the console (src/admin/sections.ts) inside its signed-in,
// CSRF-checked scope.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminContext, AdminSection } from '../../admin/context';
import { adminMessage, adminPage, csrfToken } from '../../admin/respond';
import { NewsletterError } from '../errors';
import { SLUG } from '../markdown';
import type { IssueRecord } from '../store';
import { sendTest } from '../test-send';
import { fieldsFrom, fromMarkdown, toMarkdown, type IssueFields } from './form';
import { IssueListPage, IssuePage, type IssuePageProps } from './pages';
import { previewIssue } from './preview';

const EDITOR_JS = readFileSync(new URL('./editor.js', import.meta.url));
/** An issue's Markdown is a few KB; the app-wide limit (16 KB) is for public forms. */
const ISSUE_BODY_LIMIT = 256 * 1024;
/** The email preview runs in a sandboxed frame with its own policy: its inline styles must apply, nothing may run. */
const EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; frame-ancestors 'self'; sandbox";

const DONE: Record<string, string> = {
  created: 'Draft saved.',
  saved: 'Changes saved.',
  scheduled: 'Scheduled. Each reader gets it at that hour in their own time zone.',
  'sent-now': 'Sending now to every reader.',
  cancelled: 'Cancelled. Batches that had not started send nothing; schedule it again to send the rest.',
  tested: 'Test sent.',
};

const STARTER: IssueFields = {
  subject: '',
  preheader: '',
  title: 'Notes from the clinic',
  ctaText: '',
  ctaLabel: '',
  acknowledgedClaims: '',
  body: 'A short hello to open the issue.\n\n## First section\n\nA few paragraphs.\n\n[Read more](https://clinic.example/)\n',
};

type Params = { id: string };

export const newsletterSection: AdminSection = {
  path: '/newsletters',
  title: 'Newsletter',
  plugin: (app: FastifyInstance, ctx: AdminContext) => {
    const { core } = ctx;
    const service = core.newsletters;
    const fileOf = (id: string) => `newsletters/${id}.md`;
    const preview = (source: string, file: string) => previewIssue(source, file, core.renderContext, core.config.emailFrom);
    const today = () => new Date().toISOString().slice(0, 10);

    async function page(
      request: FastifyRequest,
      reply: FastifyReply,
      input: { issue: IssueRecord | null; slug: string; fields: IssueFields; notice: IssuePageProps['notice']; status?: number },
    ) {
      const source = toMarkdown(input.fields);
      const status = input.issue ? await service.status(input.issue.id) : null;
      const props: IssuePageProps = {
        csrf: csrfToken(reply),
        issue: status?.issue ?? input.issue,
        slug: input.slug,
        fields: input.fields,
        preview: await preview(source, fileOf(input.slug || 'new')),
        times: status?.times ?? [],
        delivery: status?.delivery ?? {},
        notice: input.notice,
        defaultHour: core.config.drip.windowHour,
        today: today(),
      };
      const title = input.issue ? `Issue ${input.issue.id}` : 'New issue';
      return adminPage(request, reply, { title, status: input.status ?? 200, scripts: ['/admin/newsletters/editor.js'] }, <IssuePage {...props} />);
    }

    const failure = (err: unknown): { status: number; notice: IssuePageProps['notice'] } => {
      if (err instanceof NewsletterError) {
        const status = err.kind === 'not-found' ? 404 : err.kind === 'conflict' ? 409 : err.kind === 'rate-limited' ? 429 : 400;
        return { status, notice: { tone: 'error', text: err.message, details: err.details.length > 1 ? err.details : [] } };
      }
      throw err;
    };

    async function loadOr404(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply): Promise<IssueRecord | null> {
      const id = request.params.id;
      if (!SLUG.test(id)) {
        adminMessage(request, reply, 404, 'No such issue', 'There is no issue at this address.');
        return null;
      }
      const issue = await core.newsletterStore.get(id);
      if (!issue) adminMessage(request, reply, 404, 'No such issue', `There is no issue “${id}”.`);
      return issue;
    }

    app.get('/editor.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(EDITOR_JS));

    app.get('/', async (request, reply) => {
      const issues = await service.list(200);
      const titles = new Map(issues.map((i) => [i.id, fromMarkdown(i.source).subject || fromMarkdown(i.source).title || i.id]));
      return adminPage(request, reply, { title: 'Newsletter' }, <IssueListPage issues={issues} titles={titles} />);
    });

    app.get('/new', async (request, reply) => page(request, reply, { issue: null, slug: '', fields: STARTER, notice: null }));

    app.post('/new', { bodyLimit: ISSUE_BODY_LIMIT }, async (request, reply) => {
      const fields = fieldsFrom(request.body);
      const slug = String((request.body as Record<string, unknown> | undefined)?.slug ?? '').trim();
      if (!SLUG.test(slug)) {
        return page(request, reply, { issue: null, slug, fields, status: 400, notice: { tone: 'error', text: 'The issue id must be lower-case letters, digits and dashes (at most 64), e.g. 2026-12-sitting-well.' } });
      }
      if (await core.newsletterStore.get(slug)) {
        return page(request, reply, { issue: null, slug, fields, status: 409, notice: { tone: 'error', text: `An issue “${slug}” exists already; pick another id or open that issue.` } });
      }
      try {
        await service.save(slug, toMarkdown(fields), fileOf(slug));
      } catch (err) {
        const f = failure(err);
        return page(request, reply, { issue: null, slug, fields, status: f.status, notice: f.notice });
      }
      return reply.redirect(`/admin/newsletters/${slug}?done=created`, 303);
    });

    // The live preview: the email for the fields as typed (not saved), shown in the frames.
    app.post('/render', { bodyLimit: ISSUE_BODY_LIMIT }, async (request, reply) => {
      const result = await preview(toMarkdown(fieldsFrom(request.body)), 'preview.md');
      const html = result.ok
        ? result.html
        : `<!doctype html><meta charset="utf-8"><body style="font-family:sans-serif;padding:1rem"><p>Fix the problems listed beside the form to see the email.</p></body>`;
      return reply.type('text/html; charset=utf-8').header('content-security-policy', EMAIL_CSP).header('x-frame-options', 'SAMEORIGIN').send(html);
    });

    // The same as data, for the panel beside the frames.
    app.post('/preview', { bodyLimit: ISSUE_BODY_LIMIT }, async (request, reply) => {
      const result = await preview(toMarkdown(fieldsFrom(request.body)), 'preview.md');
      const { html: _html, ...rest } = result.ok ? result : { ...result, html: '' };
      return reply.send(rest);
    });

    app.get<{ Params: Params; Querystring: { done?: string } }>('/:id', async (request, reply) => {
      const issue = await loadOr404(request, reply);
      if (!issue) return reply;
      const done = DONE[request.query.done ?? ''];
      return page(request, reply, { issue, slug: issue.id, fields: fromMarkdown(issue.source), notice: done ? { tone: 'ok', text: done } : null });
    });

    app.get<{ Params: Params }>('/:id/email.html', async (request, reply) => {
      const issue = await loadOr404(request, reply);
      if (!issue) return reply;
      const result = await preview(issue.source, issue.file || fileOf(issue.id));
      const html = result.ok ? result.html : '<!doctype html><meta charset="utf-8"><p>This issue has problems; see the list beside the form.</p>';
      return reply.type('text/html; charset=utf-8').header('content-security-policy', EMAIL_CSP).header('x-frame-options', 'SAMEORIGIN').send(html);
    });

    app.post<{ Params: Params }>('/:id', { bodyLimit: ISSUE_BODY_LIMIT }, async (request, reply) => {
      const issue = await loadOr404(request, reply);
      if (!issue) return reply;
      const fields = fieldsFrom(request.body);
      try {
        await service.save(issue.id, toMarkdown(fields), fileOf(issue.id));
      } catch (err) {
        const f = failure(err);
        return page(request, reply, { issue, slug: issue.id, fields, status: f.status, notice: f.notice });
      }
      return reply.redirect(`/admin/newsletters/${issue.id}?done=saved`, 303);
    });

    const action = (name: string, run: (issue: IssueRecord, body: Record<string, unknown>, request: FastifyRequest) => Promise<string>) =>
      app.post<{ Params: Params }>(`/:id/${name}`, async (request, reply) => {
        const issue = await loadOr404(request, reply);
        if (!issue) return reply;
        try {
          const done = await run(issue, (request.body ?? {}) as Record<string, unknown>, request);
          return reply.redirect(`/admin/newsletters/${issue.id}?done=${done}`, 303);
        } catch (err) {
          const f = failure(err);
          return page(request, reply, { issue, slug: issue.id, fields: fromMarkdown(issue.source), status: f.status, notice: f.notice });
        }
      });

    action('test', async (issue, body, request) => {
      const parsed = service.parse(issue.source, issue.file || fileOf(issue.id));
      await sendTest(
        { redis: core.redis, keys: core.keys, transport: core.transport, renderContext: core.renderContext, from: core.config.emailFrom },
        { template: 'newsletter', issue: parsed.issue, to: [String(body.to ?? '')], actor: `admin:${request.session.user ?? ''}`, now: Date.now() },
      );
      return 'tested';
    });
    action('schedule', async (issue, body) => {
      const hour = Number(body.hour);
      await service.schedule(issue.id, { date: String(body.date ?? ''), hour: Number.isFinite(hour) && String(body.hour ?? '') !== '' ? hour : core.config.drip.windowHour });
      return 'scheduled';
    });
    action('send-now', async (issue) => {
      await service.schedule(issue.id, { sendNow: true });
      return 'sent-now';
    });
    action('cancel', async (issue) => {
      await service.cancel(issue.id);
      return 'cancelled';
    });
  },
};
