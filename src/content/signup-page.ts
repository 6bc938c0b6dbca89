// The words on the signup page. Clinic content: the page component in
// src/web/pages/signup.tsx only lays them out.
export const SIGNUP_PAGE = {
  title: 'Sciatica relief, by email',
  headline: 'Living with sciatica?',
  lead:
    'Join our free email series: four short weekly emails on how acupuncture may ease sciatic nerve pain, ' +
    'followed by the clinic’s weekly newsletter. Unsubscribe at any time.',
  button: 'Send me the series',
} as const;
