import { TOPICS, type TopicId } from '../../content/topics';
import { ErrorSummary, FieldMessage, fieldErrorId, invalidProps, messageFor, ResultNotice, type FieldError } from './feedback';
import { Layout, type PageBrand } from './layout';
import { YourData } from './privacy';

/** GET /confirm/:token shows this; only the button's POST confirms (link scanners prefetch GETs). */
export function ConfirmPage(props: { brand: PageBrand; action: string; email: string }) {
  return (
    <Layout brand={props.brand} title="Confirm your subscription">
      <h1>One last step</h1>
      <p>
        Press the button to confirm that <strong className="address">{props.email}</strong> should receive our emails.
      </p>
      <form method="post" action={props.action}>
        <button type="submit">Yes, confirm my subscription</button>
      </form>
      <p className="small">If you did not sign up, close this page: nothing will be sent.</p>
    </Layout>
  );
}

/** `email` and `preferencesUrl` are null for an expired link: it unsubscribes, and shows nothing personal. */
export function UnsubscribePage(props: { brand: PageBrand; action: string; preferencesUrl: string | null; email: string | null }) {
  return (
    <Layout brand={props.brand} title="Unsubscribe">
      <h1>Unsubscribe</h1>
      {props.email !== null ? (
        <p>
          Stop all emails to <strong className="address">{props.email}</strong>?
        </p>
      ) : (
        <p>Stop all emails to the address this link was sent to?</p>
      )}
      <form method="post" action={props.action}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit" className="danger">
          Unsubscribe from everything
        </button>
      </form>
      {props.preferencesUrl !== null ? (
        <p>
          Rather get fewer emails? <a href={props.preferencesUrl}>Choose topics or pause instead</a>.
        </p>
      ) : (
        <p>To choose topics or pause instead, use the link in our most recent email.</p>
      )}
    </Layout>
  );
}

export interface PreferencesPageProps {
  brand: PageBrand;
  action: string;
  email: string;
  status: string;
  topics: readonly TopicId[];
  pausedUntil: string | null;
  pauseChoices: readonly number[];
  /** The result of the last action ("Your choices are saved."). */
  notice?: string;
  /** Why the last action was refused; `topics` and `days` errors are shown at their controls too. */
  errors?: readonly FieldError[];
}

const FIRST_TOPIC_ID = `topic-${TOPICS[0]!.id}`;
const PREFERENCE_TARGETS = { topics: FIRST_TOPIC_ID, days: 'days' } as const;

export function PreferencesPage(p: PreferencesPageProps) {
  const active = p.status === 'active' || p.status === 'paused' || p.status === 'pending';
  const errors = p.errors ?? [];
  const topicsError = messageFor(errors, 'topics');
  const daysError = messageFor(errors, 'days');
  return (
    <Layout brand={p.brand} title="Email preferences" wide error={errors.length > 0}>
      {errors.length > 0 ? <ErrorSummary errors={errors} targets={PREFERENCE_TARGETS} /> : null}
      <h1>Email preferences</h1>
      <p>
        Settings for <strong className="address">{p.email}</strong>.
      </p>
      {p.notice ? (
        <ResultNotice>
          <p>{p.notice}</p>
        </ResultNotice>
      ) : null}
      {!active ? (
        <p className="notice info">
          You are unsubscribed and will not receive any emails. To subscribe again, <a href="/">use the signup form</a>.
        </p>
      ) : (
        <>
          <form method="post" action={p.action}>
            <fieldset className={topicsError ? 'invalid' : undefined} {...(topicsError ? { 'aria-describedby': fieldErrorId('topics') } : {})}>
              <legend>What would you like to receive?</legend>
              <FieldMessage inputId="topics" message={topicsError} />
              {TOPICS.map((t) => (
                <div className="field consent" key={t.id}>
                  <input
                    id={`topic-${t.id}`}
                    type="checkbox"
                    name="topics"
                    value={t.id}
                    defaultChecked={p.topics.includes(t.id)}
                    {...(topicsError ? { 'aria-invalid': true } : {})}
                  />
                  <label htmlFor={`topic-${t.id}`}>
                    <strong>{t.label}</strong>
                    <span className="hint">{t.description}</span>
                  </label>
                </div>
              ))}
            </fieldset>
            <button type="submit" name="action" value="save">
              Save my choices
            </button>
          </form>
          <form method="post" action={p.action} className="pause">
            <fieldset>
              <legend>Take a break</legend>
              {p.status === 'paused' && p.pausedUntil ? (
                <p>
                  Your emails are paused until <strong>{p.pausedUntil}</strong>.
                </p>
              ) : null}
              <label htmlFor="days">Pause all emails for</label>
              <FieldMessage inputId="days" message={daysError} />
              <select id="days" name="days" defaultValue="14" {...invalidProps('days', daysError)}>
                {p.pauseChoices.map((d) => (
                  <option key={d} value={String(d)}>
                    {d} days
                  </option>
                ))}
              </select>
              <button type="submit" name="action" value="pause" className="secondary">
                Pause
              </button>
              {p.status === 'paused' ? (
                <button type="submit" name="action" value="resume" className="secondary">
                  Resume now
                </button>
              ) : null}
            </fieldset>
          </form>
          <form method="post" action={p.action}>
            <button type="submit" name="action" value="unsubscribe" className="danger">
              Unsubscribe from all emails
            </button>
          </form>
        </>
      )}
      <YourData action={p.action} />
    </Layout>
  );
}
