// GET /outbox: a local mail catcher for development. Lists the .eml files the
// outbox transport wrote, newest first, and shows each one rendered.
import type { FastifyInstance } from 'fastify';
import PostalMime from 'postal-mime';
import type { OutboxTransport } from '../../delivery/outbox';
import type { Config } from '../../config';
import { Layout } from '../pages/layout';
import { brandOf, errorPage, sendPage } from '../respond';

interface Parsed {
  subject: string;
  to: string;
  date: string;
  html: string;
  text: string;
  headers: { key: string; value: string }[];
}

async function parse(raw: Buffer): Promise<Parsed> {
  const email = await PostalMime.parse(raw);
  return {
    subject: email.subject ?? '(no subject)',
    to: (email.to ?? []).map((a) => ('address' in a && a.address ? a.address : a.name)).join(', '),
    date: email.date ? formatDate(email.date) : '',
    html: email.html ?? '',
    text: email.text ?? '',
    headers: email.headers.map((h) => ({ key: h.key, value: h.value })),
  };
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(d) + ' UTC';
}

export function registerOutboxRoutes(app: FastifyInstance, config: Config, outbox: OutboxTransport): void {
  const brand = brandOf(config);

  app.get('/outbox', async (_request, reply) => {
    const entries = (await outbox.list()).slice(0, 500);
    const rows = await Promise.all(
      entries.map(async (e) => {
        const raw = await outbox.read(e.file);
        return { file: e.file, ...(raw ? await parse(raw) : { subject: '(unreadable)', to: '', date: '' }) };
      }),
    );
    return sendPage(
      reply,
      200,
      <Layout brand={brand} title="Outbox" wide>
        <h1>Outbox</h1>
        <p className="small">
          Emails written to {config.outboxDir} because no RESEND_API_KEY is set. Newest first. Development only.{' '}
          <a href="/outbox">Refresh</a>
        </p>
        {rows.length === 0 ? (
          <p className="notice info">No emails yet. Sign up on the home page to send one.</p>
        ) : (
          <table className="outbox">
            <thead>
              <tr>
                <th scope="col">Sent</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.file}>
                  <td>{r.date}</td>
                  <td>{r.to}</td>
                  <td>
                    <a href={`/outbox/${r.file}`}>{r.subject}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Layout>,
    );
  });

  app.get<{ Params: { file: string } }>('/outbox/:file', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return errorPage(request, reply, config, 404, 'No such email in the outbox.');
    const email = await parse(raw);
    return sendPage(
      reply,
      200,
      <Layout brand={brand} title={email.subject} wide>
        <p>
          <a href="/outbox">← Outbox</a>
        </p>
        <h1>{email.subject}</h1>
        <p>
          To {email.to} · {email.date} · <a href={`/outbox/${request.params.file}/raw`}>Download .eml</a>
        </p>
        <h2>HTML</h2>
        <iframe className="preview" title="HTML version" sandbox="" src={`/outbox/${request.params.file}/html`}></iframe>
        <h2>Text</h2>
        <pre className="raw">{email.text}</pre>
        <h2>Headers</h2>
        <pre className="raw">{email.headers.map((h) => `${h.key}: ${h.value}`).join('\n')}</pre>
      </Layout>,
    );
  });

  app.get<{ Params: { file: string } }>('/outbox/:file/html', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return errorPage(request, reply, config, 404, 'No such email in the outbox.');
    const email = await parse(raw);
    // The email's own HTML, sandboxed: no scripts, framed only by our viewer.
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https:; sandbox; frame-ancestors 'self'")
      .header('x-frame-options', 'SAMEORIGIN')
      .send(email.html);
  });

  app.get<{ Params: { file: string } }>('/outbox/:file/raw', async (request, reply) => {
    const raw = await outbox.read(request.params.file);
    if (!raw) return errorPage(request, reply, config, 404, 'No such email in the outbox.');
    return reply.type('message/rfc822').header('content-disposition', `attachment; filename="${request.params.file}"`).send(raw);
  });
}
