// The console's newsletter pages: the list of issues with their progress, and
// one issue's page: the form with a live preview beside it, its progress and
// the test-send, schedule, reschedule and cancel buttons.
import { Fragment } from 'react';
import { CsrfField } from '../../admin/pages/layout';
import type { IssueProgress, IssueRecord } from '../store';
import type { LocalSendTime } from '../service';
import { formFieldOf as fieldOf, type IssueFields } from './form';
import { GMAIL_CLIP_BYTES, type IssuePreview } from './preview';

const STATE_LABEL: Record<IssueRecord['state'], string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  sent: 'Sent',
  cancelled: 'Cancelled',
};

function when(issue: IssueRecord): string {
  if (issue.sendNow) return 'at once';
  if (!issue.date) return '—';
  return `${issue.date}, ${String(issue.hour).padStart(2, '0')}:00 local`;
}

function ProgressBar(props: { progress: IssueProgress }) {
  const p = props.progress;
  const done = p.audience - p.left;
  return p.audience > 0 ? (
    <progress max={p.audience} value={done} aria-label={`${done} of ${p.audience} handled`}>
      {done} of {p.audience}
    </progress>
  ) : null;
}

export function IssueListPage(props: { issues: IssueRecord[]; titles: Map<string, string> }) {
  return (
    <>
      <h1>Newsletter</h1>
      <p className="actions">
        <a className="button" href="/admin/newsletters/new">
          Write a new issue
        </a>
      </p>
      {props.issues.length === 0 ? (
        <p>No issues yet. Write one here, or keep them in git as newsletters/&lt;slug&gt;.md and schedule them with npm run newsletter.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption>Issues, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Issue</th>
                <th scope="col">Status</th>
                <th scope="col">Sends</th>
                <th scope="col" className="num">Sent</th>
                <th scope="col" className="num">Audience</th>
                <th scope="col">Progress</th>
              </tr>
            </thead>
            <tbody>
              {props.issues.map((i) => (
                <tr key={i.id}>
                  <th scope="row">
                    <a href={`/admin/newsletters/${i.id}`}>{props.titles.get(i.id) ?? i.id}</a>
                    <div className="small">{i.id}</div>
                  </th>
                  <td>{STATE_LABEL[i.state]}</td>
                  <td>{when(i)}</td>
                  <td className="num">{i.progress.sent + i.progress.sentBefore}</td>
                  <td className="num">{i.progress.audience}</td>
                  <td>
                    <ProgressBar progress={i.progress} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export interface IssuePageProps {
  csrf: string;
  /** null for a new issue. */
  issue: IssueRecord | null;
  slug: string;
  fields: IssueFields;
  preview: IssuePreview;
  times: LocalSendTime[];
  delivery: Record<string, number>;
  notice: { tone: 'ok' | 'error'; text: string; details?: string[] } | null;
  defaultHour: number;
  today: string;
}

function Field(props: { name: keyof IssueFields; label: string; value: string; hint?: string; errors: string[]; readOnly: boolean; required?: boolean }) {
  const id = `f-${props.name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint ? (
        <p className="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.errors.map((e) => (
        <p key={e} className="error-text" id={`${id}-error`}>
          {e}
        </p>
      ))}
      <input
        id={id}
        name={props.name}
        type="text"
        defaultValue={props.value}
        readOnly={props.readOnly}
        required={props.required}
        aria-invalid={props.errors.length > 0 ? true : undefined}
        aria-describedby={[props.hint ? `${id}-hint` : '', props.errors.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
      />
    </div>
  );
}

function PreviewPanel(props: { preview: IssuePreview; previewSrc: string }) {
  const p = props.preview;
  return (
    <section aria-labelledby="preview-h" id="preview-panel">
      <h2 id="preview-h">Preview</h2>
      <div id="preview-status" role="status">
        {p.ok ? (
          <>
            <p>
              <strong>Subject:</strong> <span id="pv-subject">{p.subject}</span>
              <br />
              <strong>Preview text:</strong> <span id="pv-preheader">{p.preheader}</span>
            </p>
            <p id="pv-size">
              HTML size {(p.htmlBytes / 1024).toFixed(1)} KB of Gmail&apos;s 102 KB clipping limit
              {p.htmlBytes > GMAIL_CLIP_BYTES ? ': Gmail will clip this email.' : '.'}
            </p>
            <meter min={0} max={GMAIL_CLIP_BYTES} high={GMAIL_CLIP_BYTES * 0.8} value={p.htmlBytes} aria-label="HTML size against Gmail's limit" />
            {p.claims.length > 0 ? (
              <ul id="pv-claims">
                {p.claims.map((c) => (
                  <li key={`${c.line}-${c.column}`} className={c.acknowledged ? '' : 'error-text'}>
                    Line {c.line}: health claim “{c.phrase}” ({c.claim}){c.acknowledged ? ', acknowledged' : `: ${c.advice}, or acknowledge “${c.claim}”.`}
                  </li>
                ))}
              </ul>
            ) : (
              <p id="pv-claims">No absolute health claims found.</p>
            )}
          </>
        ) : (
          <ul id="pv-problems" className="error-text">
            {p.problems.map((x) => (
              <li key={`${x.line}-${x.field}-${x.message}`}>
                Line {x.line}, {x.field}: {x.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="frames">
        <figure>
          <figcaption>Desktop, 600 px</figcaption>
          <iframe className="desktop" name="preview-desktop" title="Desktop preview, 600 pixels wide" src={props.previewSrc} sandbox="" />
        </figure>
        <figure>
          <figcaption>Mobile, 375 px</figcaption>
          <iframe className="mobile" name="preview-mobile" title="Mobile preview, 375 pixels wide" src={props.previewSrc} sandbox="" />
        </figure>
      </div>
      <h3>Plain-text part</h3>
      <pre id="pv-text" className="text-part">
        {p.ok ? p.text : ''}
      </pre>
      <h3>Headers</h3>
      <dl className="profile" id="pv-headers">
        {p.ok
          ? Object.entries(p.headers).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </Fragment>
            ))
          : null}
      </dl>
    </section>
  );
}

export function IssuePage(props: IssuePageProps) {
  const issue = props.issue;
  const editable = !issue || ((issue.state === 'draft' || issue.state === 'scheduled' || issue.state === 'cancelled') && issue.startedAt === null);
  const errorsFor = (name: keyof IssueFields) =>
    props.preview.ok ? [] : props.preview.problems.filter((p) => fieldOf(p.field) === name).map((p) => `Line ${p.line}: ${p.message}`);
  const base = issue ? `/admin/newsletters/${issue.id}` : '/admin/newsletters/new';
  const previewSrc = issue ? `${base}/email.html` : 'about:blank';
  const pr = issue?.progress;
  return (
    <>
      <p className="small">
        <a href="/admin/newsletters">← All issues</a>
      </p>
      <h1>{issue ? `Issue ${issue.id}` : 'New issue'}</h1>
      {props.notice ? (
        <div className={`notice ${props.notice.tone}`} role={props.notice.tone === 'error' ? 'alert' : 'status'}>
          <p>{props.notice.text}</p>
          {props.notice.details && props.notice.details.length > 0 ? (
            <ul>
              {props.notice.details.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {issue ? (
        <section aria-labelledby="status-h">
          <h2 id="status-h">
            {STATE_LABEL[issue.state]}
            {issue.date || issue.sendNow ? `: ${when(issue)}` : ''}
          </h2>
          {pr && (issue.state !== 'draft' || pr.audience > 0) ? (
            <>
              <ProgressBar progress={pr} />
              <ul className="cards">
                {(
                  [
                    ['Audience so far', pr.audience],
                    ['Sent', pr.sent + pr.sentBefore],
                    ['Skipped', pr.skipped],
                    ['Failed', pr.failed],
                    ['Left', pr.left],
                    ['Delivered', props.delivery.delivered ?? 0],
                    ['Opened', props.delivery.opened ?? 0],
                    ['Clicked', props.delivery.clicked ?? 0],
                    ['Bounced', props.delivery.bounced ?? 0],
                    ['Complained', props.delivery.complained ?? 0],
                  ] as const
                ).map(([label, n]) => (
                  <li key={label}>
                    <span className="figure">{n}</span> <span className="label">{label}</span>
                  </li>
                ))}
              </ul>
              {Object.keys(pr.skippedBy).length > 0 ? (
                <p className="small">Skipped: {Object.entries(pr.skippedBy).map(([why, n]) => `${why} ${n}`).join(', ')}.</p>
              ) : null}
            </>
          ) : null}
          {props.times.length > 0 ? (
            <details>
              <summary>Local send times</summary>
              <ul>
                {props.times.map((t) => (
                  <li key={t.zone}>
                    {t.zone}: {t.local}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </section>
      ) : null}

      <div className="editor">
        <form method="post" action={base} id="issue-form" className="stack">
          <CsrfField token={props.csrf} />
          <h2>Content</h2>
          {!editable ? <p className="notice info">This issue has started sending, so its content is frozen: every reader gets the same words.</p> : null}
          {!issue ? (
            <div className="field">
              <label htmlFor="f-slug">Issue id</label>
              <p className="hint" id="f-slug-hint">
                Lower-case letters, digits and dashes, e.g. 2026-12-sitting-well. It is also the file name in newsletters/.
              </p>
              <input id="f-slug" name="slug" type="text" required pattern="[a-z0-9]([a-z0-9\-]{0,62}[a-z0-9])?" defaultValue={props.slug} aria-describedby="f-slug-hint" />
            </div>
          ) : null}
          <Field name="subject" label="Subject" value={props.fields.subject} errors={errorsFor('subject')} readOnly={!editable} />
          <Field name="preheader" label="Preview text" hint="Shown after the subject in most inboxes." value={props.fields.preheader} errors={errorsFor('preheader')} readOnly={!editable} />
          <Field name="title" label="Title" value={props.fields.title} errors={errorsFor('title')} readOnly={!editable} required />
          <div className="field">
            <label htmlFor="f-body">Body (Markdown)</label>
            <p className="hint" id="f-body-hint">
              The intro first; then each section starts with “## Heading”. A section may have one picture on its own line,
              ![Description](https://…), and one link on its own line, [Label](https://…). No HTML.
            </p>
            {errorsFor('body').map((e) => (
              <p key={e} className="error-text">
                {e}
              </p>
            ))}
            <textarea id="f-body" name="body" rows={22} defaultValue={props.fields.body} readOnly={!editable} aria-describedby="f-body-hint" />
          </div>
          <Field name="ctaText" label="Booking call to action: text" value={props.fields.ctaText} errors={errorsFor('ctaText')} readOnly={!editable} />
          <Field name="ctaLabel" label="Booking call to action: button label" value={props.fields.ctaLabel} errors={errorsFor('ctaLabel')} readOnly={!editable} />
          <Field
            name="acknowledgedClaims"
            label="Acknowledged health claims"
            hint="Names of flagged claims you keep on purpose, comma separated (e.g. no side effects). Scheduling refuses unacknowledged ones."
            value={props.fields.acknowledgedClaims}
            errors={errorsFor('acknowledgedClaims')}
            readOnly={!editable}
          />
          {editable ? (
            <p className="actions">
              <button type="submit">{issue ? 'Save changes' : 'Save draft'}</button>
            </p>
          ) : null}
        </form>
        <PreviewPanel preview={props.preview} previewSrc={previewSrc} />
      </div>

      {issue ? (
        <section aria-labelledby="send-h">
          <h2 id="send-h">Send</h2>
          <form method="post" action={`${base}/test`} className="stack">
            <CsrfField token={props.csrf} />
            <div className="field">
              <label htmlFor="f-to">Send a test to</label>
              <p className="hint" id="f-to-hint">
                One to five addresses, separated by commas. The subject starts with [Test]; no reader is involved.
              </p>
              <input id="f-to" name="to" type="text" autoComplete="email" aria-describedby="f-to-hint" />
            </div>
            <button type="submit" className="secondary">
              Send test
            </button>
          </form>
          {issue.state !== 'sending' && issue.state !== 'sent' ? (
            <form method="post" action={`${base}/schedule`} className="stack">
              <CsrfField token={props.csrf} />
              <div className="filters">
                <div className="field">
                  <label htmlFor="f-date">Date</label>
                  <input id="f-date" name="date" type="date" required min={props.today} defaultValue={issue.date ?? ''} />
                </div>
                <div className="field">
                  <label htmlFor="f-hour">Hour in each reader&apos;s time zone</label>
                  <input id="f-hour" name="hour" type="number" min={0} max={23} required defaultValue={String(issue.hour ?? props.defaultHour)} />
                </div>
              </div>
              <p className="actions">
                <button type="submit">{issue.state === 'scheduled' || issue.state === 'cancelled' ? 'Reschedule' : 'Schedule'}</button>
              </p>
            </form>
          ) : null}
          <div className="actions">
            {issue.state === 'draft' || issue.state === 'scheduled' || issue.state === 'cancelled' ? (
              <form method="post" action={`${base}/send-now`}>
                <CsrfField token={props.csrf} />
                <button type="submit" className="secondary">
                  Send now to everyone
                </button>
              </form>
            ) : null}
            {issue.state === 'scheduled' || issue.state === 'sending' ? (
              <form method="post" action={`${base}/cancel`}>
                <CsrfField token={props.csrf} />
                <button type="submit" className="danger">
                  Cancel sending
                </button>
              </form>
            ) : null}
          </div>
        </section>
      ) : null}
    </>
  );
}
