export { createPersonaliser, displayName, escapeHtml, renderEmail, renderPreview } from './render';
export { textPart } from './text';
export type { TextPartOptions } from './text';
export type { Personaliser, PersonaliserOptions } from './render';
export { getTemplate, isTemplateId, TEMPLATE_IDS, TEMPLATES } from './templates';
export type { Envelope, TemplateDefinition, TemplateId, TemplateInput } from './templates';
export type { BaseEmailProps, Brand, Recipient, RenderContext, RenderedEmail } from './types';
