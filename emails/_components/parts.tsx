// Small shared building blocks. Named exports only: the preview server treats
// a default export as an email.
import type { ReactNode } from 'react';
import { Button, Heading, Section, Text } from 'react-email';
import { cls, colors, fonts, type } from './tokens';

/** "Hello Maria," or, when no usable name is known, "Hello there,". */
export function Greeting({ firstName }: { firstName: string | null }) {
  return <Paragraph>{firstName ? `Hello ${firstName},` : 'Hello there,'}</Paragraph>;
}

export function Paragraph({ children }: { children: ReactNode }) {
  return (
    <Text className={cls.text} style={paragraph}>
      {children}
    </Text>
  );
}

/** The big title at the top of an email. */
export function Title({ children }: { children: ReactNode }) {
  return (
    <Heading as="h1" className={cls.text} style={title}>
      {children}
    </Heading>
  );
}

export function SectionHeading({ children }: { children: ReactNode }) {
  return (
    <Heading as="h2" className={cls.text} style={sectionHeading}>
      {children}
    </Heading>
  );
}

/** A highlighted aside: a caveat, a tip, a "good to know". */
export function Callout({ title: calloutTitle, children }: { title?: string; children: ReactNode }) {
  return (
    <Section className={cls.callout} style={callout}>
      {calloutTitle ? (
        <Text className={cls.text} style={{ ...paragraph, fontWeight: 'bold', margin: '0 0 4px' }}>
          {calloutTitle}
        </Text>
      ) : null}
      <Text className={cls.text} style={{ ...paragraph, margin: '0' }}>
        {children}
      </Text>
    </Section>
  );
}

/** A call-to-action button (booking, confirming). */
export function ActionButton({ href, children }: { href: string; children: string }) {
  return (
    <Section style={{ margin: '24px 0' }}>
      <Button href={href} style={button}>
        {children}
      </Button>
    </Section>
  );
}

/** The booking call to action: a line of copy and a button to the booking page. */
export function BookingCta({ href, text, label = 'Book an appointment' }: { href: string; text?: string; label?: string }) {
  return (
    <Section style={{ margin: '8px 0 16px' }}>
      {text ? <Paragraph>{text}</Paragraph> : null}
      <ActionButton href={href}>{label}</ActionButton>
    </Section>
  );
}

export function BulletList({ items }: { items: ReactNode[] }) {
  return (
    <ul className={cls.text} style={list}>
      {items.map((item, i) => (
        <li key={i} style={{ margin: '0 0 8px' }}>
          {item}
        </li>
      ))}
    </ul>
  );
}

export function SignOff({ clinicName }: { clinicName: string }) {
  return (
    <Text className={cls.text} style={paragraph}>
      Warm wishes,
      <br />
      The team at {clinicName}
    </Text>
  );
}

const paragraph = {
  color: colors.text,
  fontFamily: fonts.body,
  margin: '0 0 16px',
  ...type.body,
};

const title = {
  color: colors.text,
  fontFamily: fonts.heading,
  fontWeight: 'normal',
  margin: '16px 0 16px',
  ...type.title,
};

const sectionHeading = {
  color: colors.text,
  fontFamily: fonts.heading,
  fontWeight: 'bold',
  margin: '28px 0 8px',
  ...type.heading,
};

const callout = {
  backgroundColor: colors.calloutBackground,
  borderLeft: `4px solid ${colors.calloutBorder}`,
  borderRadius: '4px',
  padding: '16px 20px',
  margin: '20px 0',
};

const button = {
  backgroundColor: colors.brand,
  color: colors.onBrand,
  borderRadius: '6px',
  fontFamily: fonts.body,
  fontSize: '16px',
  fontWeight: 'bold',
  padding: '14px 24px',
  textDecoration: 'none',
};

const list = {
  color: colors.text,
  fontFamily: fonts.body,
  margin: '0 0 16px',
  paddingLeft: '22px',
  ...type.body,
};
