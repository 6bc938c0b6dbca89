// Sent on confirmation: what sciatica is, what the series covers, how acupuncture works.
import { Layout } from './_components/layout';
import { BulletList, Callout, Greeting, Paragraph, SectionHeading, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase } from './_components/preview-data';
import type { BaseEmailProps, Brand } from '../src/render/types';

export const subject = 'Welcome: sciatica, and how acupuncture may help';
export const preheader = 'What sciatica is, what the next three emails cover, and how acupuncture works.';
export const reason = 'you subscribed to our sciatica email series and confirmed your address.';

export type WelcomeEmailProps = BaseEmailProps;

export default function WelcomeEmail(props: WelcomeEmailProps) {
  const { firstName, brand } = props;
  return (
    <Layout {...props} subject={subject} preheader={preheader} reason={reason}>
      <Title>Welcome to the sciatica series</Title>
      <Greeting firstName={firstName} />
      <Paragraph>
        Thank you for confirming your subscription. Over the next three weeks we will send you one short email a week
        about sciatica and the ways acupuncture may help with it.
      </Paragraph>

      <SectionHeading>What is sciatica?</SectionHeading>
      <Paragraph>
        Your sciatic nerve is among the biggest nerves you have. It leaves the lower back and runs down through the
        buttock and the back of the leg, with smaller nerves branching off it along the way.
      </Paragraph>
      <Paragraph>
        Sciatica is the name for symptoms along that path. Most people know it as pain, but it can also feel like
        tingling or numbness in the leg and foot. It is generally thought to come from a pinched nerve: inflamed
        muscles and tissue around the nerve press on it. Because the exact source of that pressure can be hard to
        find, sciatica is often tricky to treat.
      </Paragraph>

      <SectionHeading>What this series will cover</SectionHeading>
      <BulletList
        items={[
          'Week 1: how acupuncture is thought to ease sciatic pain.',
          'Week 2: relief without the side effects that painkillers can bring.',
          'Week 3: why the relief may last, and how to book a visit if you would like to try it.',
        ]}
      />

      <SectionHeading>How acupuncture works</SectionHeading>
      <Paragraph>
        Acupuncture is a long-standing part of traditional Chinese medicine. A practitioner places very thin needles
        in the skin&apos;s top layer, at chosen points on the body.
      </Paragraph>
      <Callout title="The traditional view">
        Eastern medicine describes qi as a vital energy that flows through every living thing. In this tradition, pain
        and other symptoms arise when the flow of qi is blocked, and acupuncture aims to let it flow freely again. This
        is how the tradition explains it, not an established scientific finding. Next week we look at what may be
        happening in the body from a modern point of view.
      </Callout>
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

/** The sample reader on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): WelcomeEmailProps => sampleBase(brand);

WelcomeEmail.PreviewProps = previewProps(previewBrand);
