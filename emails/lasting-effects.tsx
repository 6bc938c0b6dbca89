// Week 3: relief that may last, treating the cause, and an invitation to book.
import { Layout } from './_components/layout';
import { BookingCta, Callout, Greeting, Paragraph, SectionHeading, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase } from './_components/preview-data';
import type { BaseEmailProps, Brand } from '../src/render/types';

export const subject = 'Relief that may last, and how to book a visit';
export const preheader = 'Why relief from acupuncture may outlast a dose of painkillers, and how to book a first appointment.';
export const reason = 'you subscribed to our sciatica email series.';

export type LastingEffectsEmailProps = BaseEmailProps;

export default function LastingEffectsEmail(props: LastingEffectsEmailProps) {
  const { firstName, brand } = props;
  return (
    <Layout {...props} subject={subject} preheader={preheader} reason={reason}>
      <Title>Relief that may last</Title>
      <Greeting firstName={firstName} />
      <Paragraph>
        This is the last email in our sciatica series. Today we look at how long relief from acupuncture may last,
        and why.
      </Paragraph>

      <SectionHeading>Days to weeks, not hours</SectionHeading>
      <Paragraph>
        A painkiller wears off after a while, and then it is time for the next dose. After acupuncture, relief may
        hold for days or weeks, and for some patients even longer.
      </Paragraph>

      <SectionHeading>Treating the cause rather than masking symptoms</SectionHeading>
      <Paragraph>
        Painkillers quieten the symptoms while the problem underneath stays. Acupuncture aims at the cause instead:
        it may support healing of the sciatic nerve itself, or ease whatever is pressing on it, such as inflamed
        muscle and tissue.
      </Paragraph>
      <Callout title="Everyone is different">
        How much acupuncture helps, and for how long, varies from person to person. At a first appointment we ask
        about your symptoms and health history and explain what treatment would involve, so you can decide whether
        it is right for you.
      </Callout>

      <SectionHeading>Would you like to try it?</SectionHeading>
      <BookingCta
        href={brand.bookingUrl}
        text="If you would like to find out whether acupuncture could help your sciatica, you can book a first appointment online."
      />
      <Paragraph>
        Thank you for reading the series. If you have a question before booking, simply reply to this email.
      </Paragraph>
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

/** The sample reader on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): LastingEffectsEmailProps => sampleBase(brand);

LastingEffectsEmail.PreviewProps = previewProps(previewBrand);
