// What the console's template pages show: every registered template rendered
// for a sample reader on the clinic's configured brand (the same samples as
// `npm run preview` and `npm run emails:export`), with the headers it would
// carry, its sizes and where it is used.
import { SEQUENCES, SEQUENCE_IDS } from '../content/sequences';
import { GMAIL_CLIP_BYTES } from '../newsletters/admin/preview';
import { renderPreview } from '../render/render';
import { TEMPLATE_IDS, TEMPLATES, type TemplateId } from '../render/templates';
import type { Brand } from '../render/types';

export { GMAIL_CLIP_BYTES };

export const SAMPLE_TO = 'Maria Sample <maria@example.com>';

export interface TemplateSample {
  id: TemplateId;
  kind: 'transactional' | 'marketing';
  /** Where the engine sends it, e.g. "sciatica-series, step 2 of 4 (1 interval after confirming)". */
  usedFor: string[];
  subject: string;
  preheader: string;
  html: string;
  text: string;
  headers: [string, string][];
  htmlBytes: number;
  textBytes: number;
}

function usesOf(id: TemplateId): string[] {
  const uses: string[] = [];
  for (const sequenceId of SEQUENCE_IDS) {
    const steps = SEQUENCES[sequenceId].steps;
    steps.forEach((step, i) => {
      if (step.template !== id) return;
      const when = step.offset === 0 ? 'on confirming' : `${step.offset} × DRIP_INTERVAL after confirming`;
      uses.push(`${sequenceId}, step ${i + 1} of ${steps.length} (${when})`);
    });
  }
  if (id === 'confirm') uses.push('double opt-in: on every signup, and on “resend the confirmation”');
  if (id === 'newsletter') uses.push('every newsletter issue (this sample issue stands in for the content)');
  return uses;
}

/** Series steps first (in sending order), then the rest in registry order. */
function ordered(): TemplateId[] {
  const inSeries = SEQUENCE_IDS.flatMap((s) => SEQUENCES[s].steps.map((step) => step.template));
  return [...new Set([...inSeries, ...TEMPLATE_IDS])];
}

export async function renderSamples(brand: Brand, from: string): Promise<TemplateSample[]> {
  return Promise.all(
    ordered().map(async (id) => {
      const email = await renderPreview(id, brand);
      return {
        id,
        kind: TEMPLATES[id].kind,
        usedFor: usesOf(id),
        subject: email.subject,
        preheader: email.preheader,
        html: email.html,
        text: email.text,
        headers: [['From', from], ['To', SAMPLE_TO], ['Subject', email.subject], ...Object.entries(email.headers)],
        htmlBytes: Buffer.byteLength(email.html),
        textBytes: Buffer.byteLength(email.text),
      } satisfies TemplateSample;
    }),
  );
}
