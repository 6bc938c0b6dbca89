// Realistic sample values for the templates' PreviewProps (preview server and
// `npm run emails:export`). Never used for real sends.
import type { BaseEmailProps, Brand } from '../../src/render/types';

export const previewBrand: Brand = {
  clinicName: 'Meridian Acupuncture Clinic',
  postalAddress: '12 Harbour Street, Springfield 01234',
  bookingUrl: 'https://clinic.example/book',
  publicUrl: 'https://clinic.example',
};

const sampleToken = 'v1.manage.sub_7Hq2kLm9.Xy3fQ0aZr8T1bW4e.0.pR5sV2nK8dL0cJ7wQ9eH3tY6uI1oA4zX2gF5bN8mC0s';

export const previewBase = {
  firstName: 'Maria',
  brand: previewBrand,
  unsubscribeUrl: `${previewBrand.publicUrl}/unsubscribe/${sampleToken}`,
  preferencesUrl: `${previewBrand.publicUrl}/preferences/${sampleToken}`,
} satisfies BaseEmailProps;

export const previewConfirmUrl = `${previewBrand.publicUrl}/confirm/v1.confirm.sub_7Hq2kLm9.Xy3fQ0aZr8T1bW4e.mc1k2z3a.Zt8vQ1wE4rT7yU0iO3pA6sD9fG2hJ5kL8zX1cV4bN7m`;
