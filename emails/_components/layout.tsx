// The one layout every email uses: brand header, content card, footer with the
// postal address, why the reader gets this email, unsubscribe/preferences links
// and the medical disclaimer.
import type { ReactNode } from 'react';
import { Body, Container, Head, Hr, Html, Link, Preview, Section, Text } from 'react-email';
import type { Brand } from '../../src/render/types';
import { cls, colors, darkModeCss, fonts, layout, space, type } from './tokens';

export interface LayoutProps {
  /** Becomes the document title (some clients show it). */
  subject: string;
  /** Inbox preview text, hidden in the body. */
  preheader: string;
  brand: Brand;
  /** Completes "You are receiving this email because …". */
  reason: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  /**
   * False before the reader has confirmed (the confirmation email): there are
   * no preferences to change yet, so the footer offers none.
   */
  showPreferences?: boolean;
  children: ReactNode;
}

/** Short medical disclaimer: general information, not advice; when to see a clinician; emergencies. */
export function Disclaimer() {
  return (
    <Text className={cls.muted} style={footerText}>
      This email shares general health information. It is not medical advice and does not replace a consultation.
      If your symptoms are severe, getting worse or lasting, please see a doctor or another qualified clinician. In
      an emergency, call your local emergency number straight away.
    </Text>
  );
}

export function Layout({ subject, preheader, brand, reason, unsubscribeUrl, preferencesUrl, showPreferences = true, children }: LayoutProps) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <title>{subject}</title>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <style>{darkModeCss}</style>
      </Head>
      <Body className={cls.canvas} style={bodyStyle}>
        <Preview useTitleTag={false}>{preheader}</Preview>
        {/* One landmark for the email, named by its subject: screen readers announce it as an email. */}
        <div role="article" aria-roledescription="email" aria-label={subject} lang="en" dir="ltr">
          <Container className={cls.surface} style={card}>
            {/* Left out of the text part, which opens with the preheader; the footer names the clinic. */}
            <Section style={header} data-skip-in-text>
              <Link href={brand.publicUrl} style={brandName}>
                {brand.clinicName}
              </Link>
            </Section>
            <Section style={content}>{children}</Section>
            <Section style={footer}>
              <Hr className={cls.border} style={rule} />
              <Disclaimer />
              <Text className={cls.muted} style={footerText}>
                You are receiving this email because {reason}
              </Text>
              <Text className={cls.muted} style={{ ...footerText, margin: '0 0 4px' }}>
                No longer want these emails?{' '}
                <Link className={cls.link} href={unsubscribeUrl} style={footerLink}>
                  Unsubscribe
                </Link>
              </Text>
              {showPreferences ? (
                <Text className={cls.muted} style={footerText}>
                  Prefer other topics?{' '}
                  <Link className={cls.link} href={preferencesUrl} style={footerLink}>
                    Change your email preferences
                  </Link>
                </Text>
              ) : null}
              <Text className={cls.muted} style={footerText}>
                {brand.clinicName}, {brand.postalAddress}
              </Text>
            </Section>
          </Container>
        </div>
      </Body>
    </Html>
  );
}

const bodyStyle = {
  backgroundColor: colors.canvas,
  margin: '0',
  padding: '24px 0',
  fontFamily: fonts.body,
};

const card = {
  backgroundColor: colors.surface,
  maxWidth: layout.maxWidth,
  borderRadius: layout.radius,
  overflow: 'hidden',
};

const header = {
  backgroundColor: colors.brand,
  padding: `20px ${space.cardPadding}`,
};

const brandName = {
  color: colors.onBrand,
  fontFamily: fonts.heading,
  fontWeight: 'bold',
  textDecoration: 'none',
  ...type.brand,
};

const content = {
  padding: `8px ${space.cardPadding} 8px`,
};

const footer = {
  padding: `0 ${space.cardPadding} 24px`,
};

const rule = {
  borderTop: `1px solid ${colors.border}`,
  margin: '8px 0 16px',
};

const footerText = {
  color: colors.muted,
  fontFamily: fonts.body,
  margin: '0 0 12px',
  ...type.small,
};

const footerLink = {
  color: colors.link,
  textDecoration: 'underline',
};
