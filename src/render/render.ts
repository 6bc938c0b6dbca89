// Rendering: (template id, recipient, context) -> subject, preheader, html, text, headers.
//
// Two paths that produce the same bytes:
//   renderEmail        one full React render per recipient (~ms each);
//   createPersonaliser one React render per send with sentinel values in the
//                      personal fields, then per recipient only string
//                      concatenation of correctly escaped values (~µs each).
// tests/render/personalise.test.ts proves they are byte-identical.
import { randomBytes } from 'node:crypto';
import { render } from 'react-email';
import { NewsletterIssueSchema } from '../newsletters/issue';
import { getTemplate, type TemplateDefinition, type TemplateId, type TemplateInput } from './templates';
import { textPart } from './text';
import type { Brand, Recipient, RenderContext, RenderedEmail } from './types';

/**
 * Escapes exactly like React DOM's server renderer (escapeTextForBrowser), for
 * both text content and attribute values: " & ' < > and nothing else.
 */
export function escapeHtml(value: string): string {
  return value.replace(/["&'<>]/g, (c) => HTML_ESCAPES[c as keyof typeof HTML_ESCAPES]);
}
const HTML_ESCAPES = { '"': '&quot;', '&': '&amp;', "'": '&#x27;', '<': '&lt;', '>': '&gt;' } as const;

// String.prototype.toWellFormed is ES2024; the project targets ES2023 libs.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LONE_SURROGATE_TEST = new RegExp(LONE_SURROGATE.source);

const MAX_NAME_GRAPHEMES = 60;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * The first name as shown in a greeting, or null for the "Hello there" fallback.
 * Lone surrogates become U+FFFD (as UTF-8 output would make them anyway), control
 * characters and every run of white space (including the zero-width space that
 * the text converter collapses) become one space, the ends are trimmed, and very
 * long names are cut at a grapheme boundary. A "name" without any letter or digit
 * is treated as unknown. Both render paths use this, so they agree on every name.
 */
export function displayName(firstName: string | null | undefined): string | null {
  if (typeof firstName !== 'string') return null;
  const cleaned = firstName
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/[\p{Cc}\s\u200b]+/gu, ' ')
    .trim();
  if (!/[\p{L}\p{N}]/u.test(cleaned)) return null;
  // No more code units than the cap means no more graphemes either: nothing to cut.
  if (cleaned.length <= MAX_NAME_GRAPHEMES) return cleaned;
  let out = '';
  let count = 0;
  for (const { segment } of segmenter.segment(cleaned)) {
    if (++count > MAX_NAME_GRAPHEMES) break;
    out += segment;
  }
  return out.trimEnd();
}

/** Absolute http(s) URL without white space, control characters or lone surrogates. */
function checkedUrl(value: unknown, what: string): string {
  if (
    typeof value !== 'string' ||
    LONE_SURROGATE_TEST.test(value) ||
    !/^https?:\/\/[^\s\p{Cc}]+$/iu.test(value) ||
    !URL.canParse(value)
  ) {
    throw new Error(`${what} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkedBrand(brand: Brand): Brand {
  for (const field of ['clinicName', 'postalAddress'] as const) {
    if (typeof brand[field] !== 'string' || brand[field].trim() === '') throw new Error(`brand.${field} must be set`);
  }
  return {
    clinicName: brand.clinicName,
    postalAddress: brand.postalAddress,
    bookingUrl: checkedUrl(brand.bookingUrl, 'brand.bookingUrl'),
    publicUrl: checkedUrl(brand.publicUrl, 'brand.publicUrl').replace(/\/+$/, ''),
  };
}

/** What is shared by every recipient of one send, checked once. */
interface SendSetup {
  def: TemplateDefinition;
  brand: Brand;
  newsletter: TemplateInput['newsletter'];
}

function setup(templateId: TemplateId, context: RenderContext): SendSetup {
  const def = getTemplate(templateId);
  const brand = checkedBrand(context.brand);
  let newsletter: TemplateInput['newsletter'];
  if (def.requires.includes('newsletter')) {
    if (context.newsletter === undefined) throw new Error(`Template ${templateId} needs context.newsletter (a NewsletterIssue)`);
    // Re-validated: the type alone does not prove the links are https or the text is sane.
    newsletter = NewsletterIssueSchema.parse(context.newsletter);
  }
  return { def, brand, newsletter };
}

interface PersonalValues {
  firstName: string | null;
  unsubscribeUrl: string;
  preferencesUrl: string;
  confirmUrl: string | undefined;
}

function personalValues(s: SendSetup, templateId: TemplateId, recipient: Recipient, context: RenderContext): PersonalValues {
  if (typeof recipient.subscriberId !== 'string' || recipient.subscriberId === '') throw new Error('recipient.subscriberId must be set');
  if (typeof recipient.canonical !== 'string' || recipient.canonical === '') throw new Error('recipient.canonical must be set');
  const needsConfirm = s.def.requires.includes('confirmUrl');
  if (needsConfirm && recipient.confirmUrl === undefined) {
    throw new Error(`Template ${templateId} needs recipient.confirmUrl`);
  }
  const manage = context.links.manageUrls(recipient.subscriberId, recipient.canonical);
  return {
    firstName: displayName(recipient.firstName),
    unsubscribeUrl: checkedUrl(manage.unsubscribeUrl, 'unsubscribe URL'),
    preferencesUrl: checkedUrl(manage.preferencesUrl, 'preferences URL'),
    confirmUrl: needsConfirm ? checkedUrl(recipient.confirmUrl, 'recipient.confirmUrl') : undefined,
  };
}

/** RFC 2369 + RFC 8058 one-click unsubscribe. */
function listHeaders(unsubscribeUrl: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

async function renderInput(
  def: TemplateDefinition,
  input: TemplateInput,
  personalMarker?: string,
): Promise<Omit<RenderedEmail, 'headers'>> {
  const { subject, preheader } = def.envelope(input);
  const html = await render(def.element(input));
  return { subject, preheader, html, text: textPart(html, preheader, { personalMarker }) };
}

/** Full render for one recipient. Deterministic: same inputs, same bytes. */
export async function renderEmail(templateId: TemplateId, recipient: Recipient, context: RenderContext): Promise<RenderedEmail> {
  const s = setup(templateId, context);
  const values = personalValues(s, templateId, recipient, context);
  const rendered = await renderInput(s.def, { ...values, brand: s.brand, newsletter: s.newsletter });
  return { ...rendered, headers: listHeaders(values.unsubscribeUrl) };
}

export type Personaliser = (recipient: Recipient) => RenderedEmail;

export interface PersonaliserOptions {
  /** Fixes the placeholder nonce (tests use it to craft names that look exactly like a placeholder). */
  sentinelNonce?: string;
}

type Slot = 'firstName' | 'unsubscribeUrl' | 'preferencesUrl' | 'confirmUrl';
const SLOTS: readonly Slot[] = ['firstName', 'unsubscribeUrl', 'preferencesUrl', 'confirmUrl'];

/** A pre-rendered string cut at its placeholders: parts[0] slot[0] parts[1] … parts[n]. */
interface Compiled {
  parts: string[];
  slots: Slot[];
}

/**
 * Batch path: renders the template once (twice if it greets by name: with a
 * name and with the fallback), then personalises each recipient by splicing
 * escaped values into the pre-rendered html and text. Byte-identical to
 * renderEmail for the same recipient.
 */
export async function createPersonaliser(
  templateId: TemplateId,
  context: RenderContext,
  options: PersonaliserOptions = {},
): Promise<Personaliser> {
  const s = setup(templateId, context);
  // A fresh random nonce per send: letters and digits only, so React escaping and
  // the text converter leave it untouched, and no content can predict it.
  const nonce = options.sentinelNonce ?? `zq${randomBytes(9).toString('hex')}`;
  if (!/^[a-z][a-z0-9]{7,39}$/.test(nonce)) throw new Error('sentinelNonce must be 8-40 lowercase letters and digits, starting with a letter');
  const sentinel: Record<Slot, string> = {
    firstName: `${nonce}n`,
    unsubscribeUrl: `https://${nonce}u.invalid/u`,
    preferencesUrl: `https://${nonce}p.invalid/p`,
    confirmUrl: `https://${nonce}c.invalid/c`,
  };
  const pattern = new RegExp(SLOTS.map((slot) => sentinel[slot].replace(/[.\\/]/g, '\\$&')).join('|'), 'g');
  const slotOf = new Map(SLOTS.map((slot) => [sentinel[slot], slot]));

  const compile = (rendered: string): Compiled => {
    const parts: string[] = [];
    const slots: Slot[] = [];
    let last = 0;
    for (const match of rendered.matchAll(pattern)) {
      parts.push(rendered.slice(last, match.index));
      slots.push(slotOf.get(match[0])!);
      last = match.index + match[0].length;
    }
    parts.push(rendered.slice(last));
    // A placeholder the template altered (cut, re-cased, re-encoded) would be
    // left behind half-replaced: refuse rather than send a wrong email.
    if (parts.some((p) => p.includes(nonce))) {
      throw new Error(`Template ${templateId} transforms a personal field, so it cannot be pre-rendered; render it per recipient.`);
    }
    return { parts, slots };
  };

  const variant = async (named: boolean) => {
    const r = await renderInput(
      s.def,
      {
        firstName: named ? sentinel.firstName : null,
        unsubscribeUrl: sentinel.unsubscribeUrl,
        preferencesUrl: sentinel.preferencesUrl,
        confirmUrl: s.def.requires.includes('confirmUrl') ? sentinel.confirmUrl : undefined,
        brand: s.brand,
        newsletter: s.newsletter,
      },
      nonce,
    );
    if (`${r.subject}\n${r.preheader}`.includes(nonce)) {
      throw new Error(`Template ${templateId} puts a personal field in its subject or preheader; render it per recipient.`);
    }
    return { subject: r.subject, preheader: r.preheader, html: compile(r.html), text: compile(r.text) };
  };
  const [named, anonymous] = await Promise.all([variant(true), variant(false)]);
  if (anonymous.html.slots.includes('firstName') || anonymous.text.slots.includes('firstName')) {
    throw new Error(`Template ${templateId} shows a name even when none is known.`);
  }

  const fill = (c: Compiled, values: Record<Slot, string>): string => {
    let out = c.parts[0]!;
    for (let i = 0; i < c.slots.length; i++) out += values[c.slots[i]!] + c.parts[i + 1]!;
    return out;
  };

  return (recipient: Recipient): RenderedEmail => {
    const v = personalValues(s, templateId, recipient, context);
    const raw: Record<Slot, string> = {
      firstName: v.firstName ?? '',
      unsubscribeUrl: v.unsubscribeUrl,
      preferencesUrl: v.preferencesUrl,
      confirmUrl: v.confirmUrl ?? '',
    };
    const escaped: Record<Slot, string> = {
      firstName: escapeHtml(raw.firstName),
      unsubscribeUrl: escapeHtml(raw.unsubscribeUrl),
      preferencesUrl: escapeHtml(raw.preferencesUrl),
      confirmUrl: escapeHtml(raw.confirmUrl),
    };
    const compiled = v.firstName === null ? anonymous : named;
    return {
      subject: compiled.subject,
      preheader: compiled.preheader,
      html: fill(compiled.html, escaped),
      text: fill(compiled.text, raw),
      headers: listHeaders(v.unsubscribeUrl),
    };
  };
}

/**
 * A template with its sample reader: on `brand` (the configured one: exports,
 * the console's template pages), else with its PreviewProps.
 */
export async function renderPreview(templateId: TemplateId, brand?: Brand): Promise<RenderedEmail> {
  const def = getTemplate(templateId);
  const checked = brand ? checkedBrand(brand) : undefined;
  const envelope = def.previewEnvelope(checked);
  const html = await render(def.preview(checked));
  return { ...envelope, html, text: textPart(html, envelope.preheader), headers: listHeaders(def.previewBase(checked).unsubscribeUrl) };
}
