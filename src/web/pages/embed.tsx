// The iframe embed: the signup form alone, for sites that accept neither a
// script nor a stylesheet (README, "Embed the signup form"). Compact, no site
// header or footer: the host page around the frame is the clinic's own.
import type { ReactNode } from 'react';
import { Document } from './document';

function EmbedLayout(props: { title: string; children: ReactNode }) {
  return (
    <Document title={props.title} stylesheets={['/static/embed.css']} colorScheme={false} bodyClassName="meridian-embed-page">
      {props.children}
    </Document>
  );
}

export interface EmbedFormProps {
  clinicName: string;
  consentText: string;
  values?: { email?: string | undefined; firstName?: string | undefined };
  error?: { message: string; field?: string };
}

export function EmbedFormPage({ clinicName, consentText, values = {}, error }: EmbedFormProps) {
  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'meridian-error' } : {});
  return (
    <EmbedLayout title={`Sign up · ${clinicName}`}>
      <form method="post" action="/embed" className="meridian-signup">
        {error ? (
          <p id="meridian-error" className="meridian-error" role="alert">
            {error.message}
          </p>
        ) : null}
        <label htmlFor="meridian-email">Email address</label>
        <input id="meridian-email" name="email" type="email" autoComplete="email" required maxLength={254} defaultValue={values.email ?? ''} {...invalid('email')} />
        <label htmlFor="meridian-name">First name (optional)</label>
        <input id="meridian-name" name="firstName" type="text" autoComplete="given-name" maxLength={100} defaultValue={values.firstName ?? ''} {...invalid('firstName')} />
        <div className="meridian-hp" aria-hidden="true">
          <label htmlFor="meridian-website">Leave this field empty</label>
          <input id="meridian-website" name="website" type="text" tabIndex={-1} autoComplete="off" />
        </div>
        <input type="hidden" name="timeZone" value="" />
        <input type="hidden" name="form" value="iframe" />
        <input id="meridian-consent" name="consent" type="checkbox" value="yes" required {...invalid('consent')} />
        <label htmlFor="meridian-consent">{consentText}</label>
        <button type="submit">Send me the series</button>
      </form>
      <script src="/static/tz.js" defer></script>
    </EmbedLayout>
  );
}

export function EmbedThanksPage(props: { clinicName: string; message: string; outboxHint: boolean }) {
  return (
    <EmbedLayout title={`Check your inbox · ${props.clinicName}`}>
      <div className="meridian-signup" role="status">
        <p className="meridian-done">Check your inbox</p>
        <p>{props.message}</p>
        {props.outboxHint ? (
          <p>
            Development: emails are not sent, they land in the{' '}
            <a href="/outbox" target="_blank" rel="noopener">
              outbox
            </a>
            .
          </p>
        ) : null}
      </div>
    </EmbedLayout>
  );
}
