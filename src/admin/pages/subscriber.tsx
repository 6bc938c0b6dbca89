import { PAUSE_CHOICES } from '../../subscribers/service';
import type { Subscriber } from '../../subscribers/types';
import type { NextSend } from '../next-send';
import { CsrfField } from './layout';
import type { TimelineItem } from '../timeline';
import { StatusBadge, when } from './subscribers';

export function SubscriberPage(props: { s: Subscriber; next: NextSend; timeline: TimelineItem[]; token: string; notice?: string; error?: string }) {
  const { s, token } = props;
  const base = `/admin/subscribers/${s.id}`;
  return (
    <>
      <p>
        <a href="/admin/subscribers">← Subscribers</a>
      </p>
      <h1 className="wrap">{s.email}</h1>
      {props.notice ? (
        <div className="notice ok" role="status">
          {props.notice}
        </div>
      ) : null}
      {props.error ? (
        <div className="notice error" role="alert">
          {props.error}
        </div>
      ) : null}
      <section aria-labelledby="profile-h">
        <h2 id="profile-h">Profile</h2>
        <dl className="profile">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={s.status} />
            {s.status === 'paused' && s.pausedUntil ? ` until ${when(s.pausedUntil)}` : ''}
          </dd>
          <dt>First name</dt>
          <dd>{s.firstName ?? '–'}</dd>
          <dt>Canonical address</dt>
          <dd>{s.canonical}</dd>
          <dt>Topics</dt>
          <dd>{s.topics.join(', ') || 'none'}</dd>
          <dt>Time zone</dt>
          <dd>{s.timeZone ?? 'unknown (the clinic’s is used)'}</dd>
          <dt>Series</dt>
          <dd>{s.sequence ? `${s.sequence}, next step ${s.step}` : 'not in a series'}</dd>
          <dt>Consent wording</dt>
          <dd>{s.consentVersion ?? '–'}</dd>
          <dt>Signed up</dt>
          <dd>{when(s.createdAt)}</dd>
          <dt>Confirmed</dt>
          <dd>{when(s.confirmedAt)}</dd>
          <dt>Last email</dt>
          <dd>{when(s.lastSentAt)}</dd>
          <dt>Id</dt>
          <dd>
            <code>{s.id}</code>
          </dd>
        </dl>
      </section>
      <section aria-labelledby="next-h">
        <h2 id="next-h">Next scheduled email</h2>
        <p>
          {props.next.local ? <strong>{props.next.local}. </strong> : null}
          {props.next.why}
        </p>
      </section>
      <section aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        <div className="actions">
          {s.status === 'pending' ? (
            <form method="post" action={`${base}/resend-confirmation`}>
              <CsrfField token={token} />
              <button type="submit" className="secondary compact">
                Resend confirmation
              </button>
            </form>
          ) : null}
          {s.status === 'active' || s.status === 'paused' ? (
            <form method="post" action={`${base}/pause`} className="inline">
              <CsrfField token={token} />
              <label htmlFor="days" className="visually-hidden">
                Pause for
              </label>
              <select id="days" name="days" defaultValue="30">
                {PAUSE_CHOICES.map((d) => (
                  <option key={d} value={d}>
                    {d} days
                  </option>
                ))}
              </select>
              <button type="submit" className="secondary compact">
                Pause
              </button>
            </form>
          ) : null}
          {s.status === 'pending' || s.status === 'active' || s.status === 'paused' ? (
            <form method="post" action={`${base}/unsubscribe`}>
              <CsrfField token={token} />
              <button type="submit" className="secondary compact">
                Unsubscribe
              </button>
            </form>
          ) : null}
          <a className="button secondary compact" href={`${base}/export.json`} download>
            Export JSON
          </a>
        </div>
        <details className="erase">
          <summary>Erase this person (GDPR Art. 17)</summary>
          <form method="post" action={`${base}/erase`}>
            <CsrfField token={token} />
            <p className="small">
              Deletes the profile, consent ledger, send ledger and provider events. A keyed digest of the address stays as a tombstone so an import never adds it again;
              the person can still sign up themselves. This cannot be undone.
            </p>
            <div className="field">
              <label htmlFor="confirm-email">Type the address to confirm</label>
              <input id="confirm-email" name="confirmEmail" type="email" autoComplete="off" required />
            </div>
            <button type="submit" className="danger compact">
              Erase for good
            </button>
          </form>
        </details>
      </section>
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <p className="small">Consent ledger, send ledger and provider events (delivered, opened, bounced …), newest first.</p>
        {props.timeline.length === 0 ? <p>Nothing recorded.</p> : null}
        <ol className="timeline">
          {props.timeline.map((t, i) => (
            <li key={i} className={`timeline-${t.kind}`}>
              <time dateTime={t.at}>{t.at.replace('T', ' ').slice(0, 19)} UTC</time>
              <span className="kind">{t.kind}</span>
              <strong>{t.title}</strong>
              {t.detail ? <span className="small"> · {t.detail}</span> : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
