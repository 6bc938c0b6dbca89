import { SIGNUP_PAGE } from '../../content/signup-page';
import { ErrorSummary, FieldMessage, invalidProps, messageFor, type FieldError } from './feedback';
import { Layout, type PageBrand } from './layout';

export interface SignupFormValues {
  email?: string;
  firstName?: string;
  consent?: boolean;
  timeZone?: string;
  form?: string;
}

export interface SignupPageProps {
  brand: PageBrand;
  consentText: string;
  values?: SignupFormValues;
  /** Every problem with the last submit; an error without a field (rate limit, outage) is listed without a link. */
  errors?: readonly FieldError[];
}

/** Error field name -> the control the summary links to. */
const TARGETS = { email: 'email', firstName: 'firstName', consent: 'consent' } as const;

/** The signup form. Plain HTML POST, so it works with JavaScript off. */
export function SignupPage({ brand, consentText, values = {}, errors = [] }: SignupPageProps) {
  const emailError = messageFor(errors, 'email');
  const nameError = messageFor(errors, 'firstName');
  const consentError = messageFor(errors, 'consent');
  return (
    <Layout brand={brand} title={SIGNUP_PAGE.title} error={errors.length > 0}>
      {errors.length > 0 ? <ErrorSummary errors={errors} targets={TARGETS} /> : null}
      <h1>{SIGNUP_PAGE.headline}</h1>
      <p className="lead">{SIGNUP_PAGE.lead}</p>
      <form method="post" action="/subscribe" className="signup">
        <div className={emailError ? 'field invalid' : 'field'}>
          <label htmlFor="email">Email address</label>
          <FieldMessage inputId="email" message={emailError} />
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            maxLength={254}
            defaultValue={values.email ?? ''}
            {...invalidProps('email', emailError)}
          />
        </div>
        <div className={nameError ? 'field invalid' : 'field'}>
          <label htmlFor="firstName">
            First name <span className="optional">(optional)</span>
          </label>
          <FieldMessage inputId="firstName" message={nameError} />
          <input
            id="firstName"
            name="firstName"
            type="text"
            autoComplete="given-name"
            maxLength={100}
            defaultValue={values.firstName ?? ''}
            {...invalidProps('firstName', nameError)}
          />
        </div>
        <div className="field hp" aria-hidden="true">
          <label htmlFor="website">Leave this field empty</label>
          <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <input type="hidden" name="timeZone" id="timeZone" value={values.timeZone ?? ''} />
        <input type="hidden" name="form" value={values.form ?? 'signup-page'} />
        <div className={consentError ? 'field invalid' : 'field'}>
          <FieldMessage inputId="consent" message={consentError} />
          <div className="consent">
            <input
              id="consent"
              name="consent"
              type="checkbox"
              value="yes"
              required
              defaultChecked={values.consent === true}
              {...invalidProps('consent', consentError)}
            />
            <label htmlFor="consent">{consentText}</label>
          </div>
        </div>
        <button type="submit">{SIGNUP_PAGE.button}</button>
      </form>
      <p className="small">
        We will email you a link to confirm. We only use your address to send what you ask for, and you can download or delete
        your data at any time.
      </p>
      <script src="/static/tz.js" defer></script>
    </Layout>
  );
}

/** After a signup: where the email went, and a way back if the address was mistyped. */
export function CheckInboxPage({ brand, email, outboxHint = false }: { brand: PageBrand; email: string | null; outboxHint?: boolean }) {
  return (
    <Layout brand={brand} title="Check your inbox">
      <h1>Check your inbox</h1>
      <div className="notice ok" role="status">
        {email ? (
          <p>
            If <strong className="address">{email}</strong> can receive our emails, a message with a confirmation button is on its
            way. Press the button in it to start the series.
          </p>
        ) : (
          <p>
            If this address can receive our emails, a message with a confirmation button is on its way. Press the button in it to
            start the series.
          </p>
        )}
      </div>
      <p>Nothing there after a few minutes? Look in your spam or promotions folder.</p>
      {outboxHint ? (
        <p>
          Development mode: no email leaves this machine. Open the <a href="/outbox">outbox</a> to see it.
        </p>
      ) : null}
      <p>
        {email ? 'Wrong address? ' : 'Typed the wrong address? '}
        <a href="/">Go back to the form and enter it again</a>.
      </p>
      {email ? <script src="/static/check-inbox.js" defer></script> : null}
    </Layout>
  );
}
