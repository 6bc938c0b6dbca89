// Week 2: relief without the side effects of medication.
import { Layout } from './_components/layout';
import { Callout, Greeting, Paragraph, SectionHeading, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase } from './_components/preview-data';
import type { BaseEmailProps, Brand } from '../src/render/types';

export const subject = 'Easing pain without the side effects of medication';
export const preheader = 'Painkillers have their place, but they have downsides too. Here is what to know.';
export const reason = 'you subscribed to our sciatica email series.';

export type MedicationFreeReliefEmailProps = BaseEmailProps;

export default function MedicationFreeReliefEmail(props: MedicationFreeReliefEmailProps) {
  const { firstName, brand } = props;
  return (
    <Layout {...props} subject={subject} preheader={preheader} reason={reason}>
      <Title>Relief without the side effects</Title>
      <Greeting firstName={firstName} />
      <Paragraph>
        When pain flares up, most of us reach for a painkiller first. Medication has its place, but it also comes
        with side effects that are worth knowing about.
      </Paragraph>

      <SectionHeading>Over-the-counter painkillers</SectionHeading>
      <Paragraph>
        Even painkillers you can buy without a prescription can be hard on the liver, especially when they are taken
        often or for a long time. Always stick to the dose on the pack, and ask a pharmacist if you are unsure.
      </Paragraph>

      <SectionHeading>Prescription painkillers</SectionHeading>
      <Paragraph>
        Stronger painkillers from your doctor carry a risk of more serious side effects, and some of them can be
        habit forming, so dependence is possible.
      </Paragraph>

      <SectionHeading>Tolerance</SectionHeading>
      <Paragraph>
        Over time the body can get used to a painkiller. The same dose then does less, and you may find you need more
        of it to get the same relief.
      </Paragraph>

      <SectionHeading>Where acupuncture fits in</SectionHeading>
      <Paragraph>
        Acupuncture uses no drugs, so it avoids these side effects of medication. It can also be combined with the
        care you already receive.
      </Paragraph>
      <Callout title="Please note">
        Do not stop or change any medication your doctor has prescribed without talking to them first.
      </Callout>
      <Paragraph>Next week: why the relief from acupuncture may last.</Paragraph>
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

/** The sample reader on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): MedicationFreeReliefEmailProps => sampleBase(brand);

MedicationFreeReliefEmail.PreviewProps = previewProps(previewBrand);
