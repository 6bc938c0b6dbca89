export { createPersonaliser, displayName, escapeHtml, htmlToText, renderEmail, renderPreview, TEXT_OPTIONS } from './render';
export type { Personaliser, PersonaliserOptions } from './render';
export { getTemplate, isTemplateId, TEMPLATE_IDS, TEMPLATES } from './templates';
export type { Envelope, TemplateDefinition, TemplateId, TemplateInput } from './templates';
export type { BaseEmailProps, Brand, Recipient, RenderContext, RenderedEmail } from './types';
