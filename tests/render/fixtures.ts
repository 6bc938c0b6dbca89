// Shared test fixtures for rendering tests (not a test file itself).
import { Links, TokenSigner } from '../../src/security/tokens';
import type { NewsletterIssue } from '../../src/newsletters/issue';
import type { Recipient, RenderContext } from '../../src/render/types';

export const PUBLIC_URL = 'https://clinic.example';
export const FROM = 'Meridian Acupuncture Clinic <hello@clinic.example>';

export const links = new Links(PUBLIC_URL, new TokenSigner('test-secret-'.padEnd(48, 'x')), 3 * 24 * 3600 * 1000);

export const issue: NewsletterIssue = {
  subject: 'Three short reads from the clinic',
  preheader: 'Desk habits, new opening hours and a gentle stretch.',
  title: 'This week at the clinic',
  intro: 'A short round-up from the clinic.\n\nThank you for reading.',
  articles: [
    {
      heading: 'Sitting well at your desk',
      text: 'Getting up for a short walk every half hour may help a stiff lower back.',
      image: { src: 'https://clinic.example/images/desk.jpg', alt: 'A tidy desk with a supportive chair', width: 536, height: 300 },
      link: { href: 'https://clinic.example/articles/sitting-well', label: 'Read the article' },
    },
    { heading: 'New evening hours', text: 'We are now open until 8 pm on Tuesdays.' },
  ],
  cta: { text: 'Would you like to talk to a practitioner?', label: 'Book a visit' },
};

export const context: RenderContext = {
  brand: {
    clinicName: 'Meridian Acupuncture Clinic',
    postalAddress: '12 Harbour Street, Springfield 01234',
    bookingUrl: `${PUBLIC_URL}/book`,
    publicUrl: PUBLIC_URL,
  },
  links,
  newsletter: issue,
};

export function recipient(overrides: Partial<Recipient> = {}): Recipient {
  const base: Recipient = {
    subscriberId: 'sub_01HZX3',
    email: 'maria@example.com',
    canonical: 'maria@example.com',
    firstName: 'Maria',
  };
  const r = { ...base, ...overrides };
  if (!('confirmUrl' in overrides)) r.confirmUrl = links.confirmUrl(r.subscriberId, r.canonical, Date.UTC(2026, 0, 6));
  return r;
}


/** Every href and src value in the html, entity-decoded the way a browser would. */
export function urlsIn(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    out.push(m[1]!.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
  }
  return out;
}
