// Double opt-in: transactional, sent on signup, no marketing content.
import { Layout } from './_components/layout';
import { ActionButton, Greeting, Paragraph, SignOff, Title } from './_components/parts';
import { previewBrand, sampleBase, sampleConfirmUrl } from './_components/preview-data';
import type { BaseEmailProps, Brand } from '../src/render/types';

export const subject = 'Please confirm your email address';
export const preheader = 'One click to confirm. If you did not sign up, ignore this email and nothing will happen.';
export const reason = 'this address was entered in the signup form on our website.';

export interface ConfirmEmailProps extends BaseEmailProps {
  /** The recipient's personal, expiring confirmation link. */
  confirmUrl: string;
}

export default function ConfirmEmail(props: ConfirmEmailProps) {
  const { brand, confirmUrl } = props;
  return (
    <Layout {...props} subject={subject} preheader={preheader} reason={reason} showPreferences={false}>
      <Title>Confirm your email address</Title>
      {/* No name here: a greeting in a confirmation proves nothing, and the name is whatever a stranger typed. */}
      <Greeting firstName={null} />
      <Paragraph>
        Thank you for signing up to hear from {brand.clinicName}. Before we send you anything else, please confirm
        that this email address is yours.
      </Paragraph>
      <ActionButton href={confirmUrl}>Confirm my email address</ActionButton>
      <Paragraph>
        For your security, this link expires after a short time. If it has stopped working, you can sign up again on
        our website to get a new one.
      </Paragraph>
      <Paragraph>
        Did not sign up? Then you can simply ignore this email. Nothing will happen: you will not be added to our
        list and we will not write to you again.
      </Paragraph>
      <SignOff clinicName={brand.clinicName} />
    </Layout>
  );
}

/** The sample reader on a brand (preview server, exports, the console's template pages). */
export const previewProps = (brand: Brand): ConfirmEmailProps => ({ ...sampleBase(brand), confirmUrl: sampleConfirmUrl(brand) });

ConfirmEmail.PreviewProps = previewProps(previewBrand);
