// The /outbox mail catcher's pages: a full-width developer tool (like Mailpit),
// with its own small layout and stylesheet so the reader pages stay untouched.
import type { ReactNode } from 'react';
import { Document } from '../pages/document';
import { linkify, type MailMessage, type MailSummary } from './message';

export const TABS = ['html', 'text', 'headers', 'raw'] as const;
export type Tab = (typeof TABS)[number];
const TAB_LABELS: Record<Tab, string> = { html: 'HTML', text: 'Text', headers: 'Headers', raw: 'Raw source' };

/** Server-side fallback; the page script replaces it with the viewer's own time zone. */
function utcLabel(iso: string): string {
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

function When({ iso }: { iso: string | null }) {
  return iso ? <time dateTime={iso}>{utcLabel(iso)}</time> : <span>no date</span>;
}

function OutboxLayout(props: { title: string; query?: string; children: ReactNode }) {
  return (
    <Document title={`${props.title} · Outbox`} stylesheets={['/outbox/static/outbox.css']} scripts={['/outbox/static/outbox.js']}>
      <header className="ob-bar">
        <a className="ob-home" href="/outbox">
          Outbox
        </a>
        <form className="ob-search" role="search" method="get" action="/outbox">
          <label htmlFor="ob-q" className="ob-sr">
            Search by address or subject
          </label>
          <input id="ob-q" type="search" name="q" defaultValue={props.query ?? ''} placeholder="Search address or subject" />
          <button type="submit">Search</button>
        </form>
      </header>
      <main id="main" className="ob-main">
        {props.children}
      </main>
    </Document>
  );
}

export function OutboxListPage(props: { dir: string; query: string; total: number; mails: MailSummary[] }) {
  const { query, mails, total } = props;
  return (
    <OutboxLayout title="Outbox" query={query}>
      <div className="ob-head">
        <h1>{query ? `Search: ${query}` : 'Outbox'}</h1>
        <form method="post" action="/outbox/delete-all">
          <button type="submit" className="ob-danger" disabled={total === 0}>
            Delete all
          </button>
        </form>
      </div>
      <p className="ob-note">
        Development mail catcher: emails written to <code>{props.dir}</code> because no <code>RESEND_API_KEY</code> is set. New
        mail appears here by itself. <span id="ob-live" role="status" aria-live="polite"></span>
      </p>
      <div id="ob-list" data-query={query}>
        {mails.length === 0 ? (
          <p className="ob-empty">
            {query ? (
              <>
                No emails match “{query}”. <a href="/outbox">Show all</a>
              </>
            ) : (
              <>
                No emails yet. <a href="/">Sign up on the home page</a> to send one.
              </>
            )}
          </p>
        ) : (
          <>
            <p className="ob-count">
              {query ? `${mails.length} of ${total} emails` : `${total} ${total === 1 ? 'email' : 'emails'}`}, newest first
            </p>
            <ul className="ob-list">
              {mails.map((m) => (
                <li key={m.file}>
                  <a href={`/outbox/${m.file}`}>
                    <span className="ob-subject">{m.subject}</span>
                    <span className="ob-meta">
                      <span className="ob-to">To {m.to}</span>
                      <When iso={m.date} />
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </OutboxLayout>
  );
}

export function OutboxMessagePage(props: { mail: MailMessage; tab: Tab; mobile: boolean }) {
  const { mail, tab, mobile } = props;
  const base = `/outbox/${mail.file}`;
  const href = (t: Tab) => (t === 'html' ? base : `${base}?tab=${t}`);
  return (
    <OutboxLayout title={mail.subject}>
      <p className="ob-back">
        <a href="/outbox">← All emails</a>
      </p>
      <h1 className="ob-subject-title">{mail.subject}</h1>
      <dl className="ob-envelope">
        <dt>From</dt>
        <dd>{mail.from}</dd>
        <dt>To</dt>
        <dd>{mail.to}</dd>
        <dt>Date</dt>
        <dd>
          <When iso={mail.date} />
        </dd>
      </dl>
      <nav className="ob-tabs" aria-label="Views of this email">
        {TABS.map((t) => (
          <a key={t} href={href(t)} aria-current={t === tab ? 'page' : undefined}>
            {TAB_LABELS[t]}
          </a>
        ))}
        <a href={`${base}/raw`} download={mail.file}>
          Download .eml
        </a>
      </nav>
      {tab === 'html' ? (
        <section aria-label="HTML version">
          <p className="ob-sizes">
            <a href={base} aria-current={!mobile ? 'true' : undefined}>
              Desktop
            </a>
            <a href={`${base}?view=mobile`} aria-current={mobile ? 'true' : undefined}>
              Mobile (375 px)
            </a>
            <span className="ob-hint">Links open in a new tab.</span>
          </p>
          {mail.html ? (
            <div className={mobile ? 'ob-frame ob-mobile' : 'ob-frame'}>
              {/* allow-same-origin lets the page measure the email's height (no scripts run: no allow-scripts);
                  allow-popups + allow-popups-to-escape-sandbox let links open as normal pages. */}
              <iframe
                className="ob-email"
                title={`HTML version of “${mail.subject}”`}
                sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
                src={`${base}/html`}
              ></iframe>
            </div>
          ) : (
            <p className="ob-empty">This email has no HTML part.</p>
          )}
        </section>
      ) : tab === 'text' ? (
        <pre className="ob-pre ob-text">
          {linkify(mail.text).map((part, i) =>
            'url' in part ? (
              <a key={i} href={part.url} target="_blank" rel="noopener noreferrer">
                {part.url}
              </a>
            ) : (
              part.text
            ),
          )}
        </pre>
      ) : tab === 'headers' ? (
        <table className="ob-headers">
          <tbody>
            {mail.headers.map((h, i) => (
              <tr key={i}>
                <th scope="row">{h.key}</th>
                <td>{h.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <pre className="ob-pre">{mail.raw}</pre>
      )}
    </OutboxLayout>
  );
}
