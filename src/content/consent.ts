// Consent wordings, versioned. The ledger records the version a person agreed
// to, so published wordings must never be edited: add a new version instead.

export interface ConsentWording {
  version: string;
  /** Shown next to the checkbox. {clinic} is replaced by CLINIC_NAME. */
  text: string;
}

export const CONSENT_WORDINGS: readonly ConsentWording[] = [
  {
    version: '2026-11',
    text:
      'Yes, I would like to receive emails from {clinic}: a short series about sciatica and acupuncture, then a weekly newsletter. ' +
      'I can unsubscribe at any time with the link in every email.',
  },
];

export function consentWording(version: string, clinicName: string): ConsentWording {
  const found = CONSENT_WORDINGS.find((w) => w.version === version);
  if (!found) {
    throw new Error(
      `CONSENT_TEXT_VERSION "${version}" is unknown; known versions: ${CONSENT_WORDINGS.map((w) => w.version).join(', ')} (src/content/consent.ts).`,
    );
  }
  return { version: found.version, text: found.text.replaceAll('{clinic}', clinicName) };
}
