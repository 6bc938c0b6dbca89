// The contract between the rendering engine and the templates in emails/.
// Nothing here knows about any particular clinic, series or template.
import type { NewsletterIssue } from '../newsletters/issue';
import type { Links } from '../security/tokens';

/** Who the clinic is, as shown in every email (header, footer, booking links). */
export interface Brand {
  clinicName: string;
  postalAddress: string;
  /** Absolute URL of the booking page. */
  bookingUrl: string;
  /** Absolute public URL of the site, without a trailing slash. */
  publicUrl: string;
}

export interface Recipient {
  subscriberId: string;
  email: string;
  /** Canonical address: what manage tokens are bound to. */
  canonical: string;
  firstName: string | null;
  /** Only for the `confirm` template (the double opt-in link). */
  confirmUrl?: string;
}

/** What is the same for every recipient of one send. */
export interface RenderContext {
  brand: Brand;
  links: Links;
  /** Required by templates that show a newsletter issue. */
  newsletter?: NewsletterIssue;
}

export interface RenderedEmail {
  subject: string;
  preheader: string;
  html: string;
  text: string;
  /** List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headers: Record<string, string>;
}

/** Props every template receives. Personal fields are firstName and the two manage URLs. */
export interface BaseEmailProps {
  /** Already cleaned by the engine (see displayName); null means "no name known". */
  firstName: string | null;
  brand: Brand;
  unsubscribeUrl: string;
  preferencesUrl: string;
}
