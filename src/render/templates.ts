// The template registry: template id -> component, subject, preheader and the
// footer's "why you get this" reason.
//
// Subject lines live in ONE place: the template file, next to the copy they
// summarise (`export const subject`). This registry imports them, and sequence
// steps (src/content/sequences.ts) take theirs from here, so a subject is never
// written twice. The same holds for preheaders and reasons.
//
// Adding a template = one file in emails/ plus one entry below.
import { createElement, type ComponentType, type ReactElement } from 'react';
import * as confirm from '../../emails/confirm';
import * as lastingEffects from '../../emails/lasting-effects';
import * as mechanisms from '../../emails/mechanisms';
import * as medicationFreeRelief from '../../emails/medication-free-relief';
import * as newsletter from '../../emails/newsletter';
import * as welcome from '../../emails/welcome';
import type { NewsletterIssue } from '../newsletters/issue';
import type { BaseEmailProps, Brand } from './types';

/** Everything the engine knows for one recipient of one send, before a template picks what it needs. */
export interface TemplateInput extends BaseEmailProps {
  confirmUrl: string | undefined;
  newsletter: NewsletterIssue | undefined;
}

export interface Envelope {
  subject: string;
  preheader: string;
}

export interface TemplateDefinition {
  /** transactional: sent because of something the reader just did, carries no marketing. */
  kind: 'transactional' | 'marketing';
  subject: string;
  preheader: string;
  /** Completes the footer's "You are receiving this email because …". */
  reason: string;
  /** Fields of TemplateInput this template cannot do without; the engine checks them before rendering. */
  requires: readonly ('confirmUrl' | 'newsletter')[];
  /** Subject and preheader for this input (a newsletter issue may carry its own). */
  envelope(input: TemplateInput): Envelope;
  /** Subject and preheader of the sample (PreviewProps, or the sample on `brand`). */
  previewEnvelope(brand?: Brand): Envelope;
  /** The element to render for this input. */
  element(input: TemplateInput): ReactElement;
  /**
   * The element with the template's sample reader: on `brand` (exports, the
   * console's template pages), else its PreviewProps (the preview server's).
   */
  preview(brand?: Brand): ReactElement;
  /** The shared part of the sample (brand and links), as preview() renders it. */
  previewBase(brand?: Brand): Readonly<BaseEmailProps>;
}

interface TemplateModule<P> {
  default: ComponentType<P> & { PreviewProps: P };
  /** The sample reader's props on a brand (emails/_components/preview-data.ts). */
  previewProps: (brand: Brand) => P;
  subject: string;
  preheader: string;
  reason: string;
}

function defineTemplate<P extends BaseEmailProps>(
  mod: TemplateModule<P>,
  options: {
    kind: TemplateDefinition['kind'];
    requires?: TemplateDefinition['requires'];
    props: (input: TemplateInput) => P;
    /** Per-send subject/preheader from the template's props; default: the template's constants. */
    envelope?: (props: P) => Envelope;
  },
): TemplateDefinition {
  const { subject, preheader, reason } = mod;
  const envelope = options.envelope ?? (() => ({ subject, preheader }));
  const sample = (brand?: Brand): P => (brand ? mod.previewProps(brand) : mod.default.PreviewProps);
  return Object.freeze({
    kind: options.kind,
    subject,
    preheader,
    reason,
    requires: Object.freeze([...(options.requires ?? [])]),
    envelope: (input: TemplateInput) => envelope(options.props(input)),
    previewEnvelope: (brand?: Brand) => envelope(sample(brand)),
    element: (input: TemplateInput) => createElement(mod.default, options.props(input)),
    preview: (brand?: Brand) => createElement(mod.default, sample(brand)),
    previewBase: (brand?: Brand) => base(sample(brand)),
  });
}

function base(input: BaseEmailProps): BaseEmailProps {
  return {
    firstName: input.firstName,
    brand: input.brand,
    unsubscribeUrl: input.unsubscribeUrl,
    preferencesUrl: input.preferencesUrl,
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Missing ${what}`);
  return value;
}

export const TEMPLATES = {
  confirm: defineTemplate(confirm, {
    kind: 'transactional',
    requires: ['confirmUrl'],
    props: (input) => ({ ...base(input), confirmUrl: required(input.confirmUrl, 'recipient.confirmUrl') }),
  }),
  welcome: defineTemplate(welcome, { kind: 'marketing', props: base }),
  mechanisms: defineTemplate(mechanisms, { kind: 'marketing', props: base }),
  'medication-free-relief': defineTemplate(medicationFreeRelief, { kind: 'marketing', props: base }),
  'lasting-effects': defineTemplate(lastingEffects, { kind: 'marketing', props: base }),
  newsletter: defineTemplate(newsletter, {
    kind: 'marketing',
    requires: ['newsletter'],
    props: (input) => ({ ...base(input), issue: required(input.newsletter, 'context.newsletter') }),
    envelope: (props) => ({
      subject: props.issue.subject ?? newsletter.subject,
      preheader: props.issue.preheader ?? newsletter.preheader,
    }),
  }),
} as const satisfies Record<string, TemplateDefinition>;

export type TemplateId = keyof typeof TEMPLATES;

export const TEMPLATE_IDS = Object.keys(TEMPLATES) as TemplateId[];

export function isTemplateId(value: unknown): value is TemplateId {
  return typeof value === 'string' && Object.hasOwn(TEMPLATES, value);
}

export function getTemplate(id: TemplateId): TemplateDefinition {
  if (!isTemplateId(id)) throw new Error(`Unknown email template ${JSON.stringify(id)}; known: ${TEMPLATE_IDS.join(', ')}`);
  return TEMPLATES[id];
}
