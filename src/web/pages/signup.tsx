import { SIGNUP_PAGE } from '../../content/signup-page';
import { Layout, type PageBrand } from './layout';

export interface SignupFormValues {
  email?: string;
  firstName?: string;
}

export interface SignupPageProps {
  brand: PageBrand;
  consentText: string;
  values?: SignupFormValues;
  error?: { message: string; field?: string };
}

/** The signup form. Plain HTML POST, so it works with JavaScript off. */
export function SignupPage({ brand, consentText, values = {}, error }: SignupPageProps) {
  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'form-error' } : {});
  return (
    <Layout brand={brand} title={SIGNUP_PAGE.title}>
      <h1>{SIGNUP_PAGE.headline}</h1>
      <p className="lead">{SIGNUP_PAGE.lead}</p>
      {error ? (
        <p id="form-error" className="notice error" role="alert">
          {error.message}
        </p>
      ) : null}
      <form method="post" action="/subscribe" className="signup" noValidate={false}>
        <div className="field">
          <label htmlFor="email">Email address</label>
          <input id="email" name="email" type="email" autoComplete="email" required maxLength={254} defaultValue={values.email ?? ''} {...invalid('email')} />
        </div>
        <div className="field">
          <label htmlFor="firstName">
            First name <span className="optional">(optional)</span>
          </label>
          <input id="firstName" name="firstName" type="text" autoComplete="given-name" maxLength={100} defaultValue={values.firstName ?? ''} {...invalid('firstName')} />
        </div>
        <div className="field hp" aria-hidden="true">
          <label htmlFor="website">Leave this field empty</label>
          <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <input type="hidden" name="timeZone" id="timeZone" value="" />
        <input type="hidden" name="form" value="signup-page" />
        <div className="field consent">
          <input id="consent" name="consent" type="checkbox" value="yes" required {...invalid('consent')} />
          <label htmlFor="consent">{consentText}</label>
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
