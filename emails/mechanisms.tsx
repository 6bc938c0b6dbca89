// Week 1: how acupuncture is thought to help sciatica.
import { Layout } from './_components/layout';
import { Callout, Greeting, Paragraph, SectionHeading, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase } from './_components/preview-data';
import type { BaseEmailProps, Brand } from '../src/render/types';

export const subject = 'Four ways acupuncture may ease sciatic pain';
export const preheader = 'Endorphins, less inflammation, better circulation and nerve repair: what may be going on.';
export const reason = 'you subscribed to our sciatica email series.';

export type MechanismsEmailProps = BaseEmailProps;

export default function MechanismsEmail(props: MechanismsEmailProps) {
  const { firstName, brand } = props;
  return (
    <Layout {...props} subject={subject} preheader={preheader} reason={reason}>
      <Title>How acupuncture may help sciatica</Title>
      <Greeting firstName={firstName} />
      <Paragraph>
        For sciatica, a practitioner chooses acupuncture points that relate to the sciatic nerve and its smaller
        branches. Four effects are thought to work together.
      </Paragraph>

      <SectionHeading>1. Endorphin release</SectionHeading>
      <Paragraph>
        The needles stimulate nerves, and this is thought to prompt the release of endorphins, the body&apos;s own
        pain-easing chemicals. Endorphins act on the brain and spinal cord and change how they handle pain signals, which may help
        relief outlast the session itself.
      </Paragraph>

      <SectionHeading>2. Less inflammation and pressure on the nerve</SectionHeading>
      <Paragraph>
        Inflammation is one of the main drivers of sciatic pain. Acupuncture may help swelling go down, which in
        turn can take pressure off the sciatic nerve and its neighbouring nerves.
      </Paragraph>

      <SectionHeading>3. Better circulation</SectionHeading>
      <Paragraph>
        Acupuncture is thought to increase blood flow, and healthy blood flow supports healing and helps nerves pass
        their signals along properly. Microcirculation, the flow through the body&apos;s smallest blood vessels, may
        also help swelling settle.
      </Paragraph>

      <SectionHeading>4. Nerve regeneration</SectionHeading>
      <Paragraph>
        Sometimes the pain, tingling or numbness of sciatica comes from real damage to the sciatic nerve or the
        nerves connected to it. Acupuncture is thought to encourage nerve healing and regeneration, which may ease
        those symptoms over time.
      </Paragraph>

      <Callout title="Good to know">
        Research into how acupuncture works is still going on, and people respond differently to it. Your
        practitioner can talk you through what to expect in your case.
      </Callout>
      <Paragraph>Next week: pain relief without the side effects of medication.</Paragraph>
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

/** The sample reader on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): MechanismsEmailProps => sampleBase(brand);

MechanismsEmail.PreviewProps = previewProps(previewBrand);
