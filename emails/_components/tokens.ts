// Colour and type tokens: the one place that decides how every email looks.
//
// Dark-mode safety: many clients (Apple Mail, iOS, Outlook.com, Gmail apps)
// repaint emails in dark mode. We declare `color-scheme: light dark`, paint every
// surface explicitly (never rely on a transparent background), keep the brand
// colour mid-dark so white text on it stays readable after partial inversion,
// and ship a `prefers-color-scheme: dark` palette (below) for clients that honour it.

export const colors = {
  /** Page background behind the card. */
  canvas: '#f3f0ea',
  /** The card that holds the content. */
  surface: '#ffffff',
  text: '#1f2a2e',
  muted: '#5a6a70',
  border: '#e2ddd3',
  /** Deep teal: AA contrast for white text, and for itself as link text on white. */
  brand: '#1d5c57',
  onBrand: '#ffffff',
  link: '#1d5c57',
  calloutBackground: '#eef5f3',
  calloutBorder: '#8fbcb5',
} as const;

export const darkColors = {
  canvas: '#121819',
  surface: '#1b2325',
  text: '#e8eeec',
  muted: '#a9b8b6',
  border: '#34413f',
  brand: '#2f7d76',
  onBrand: '#ffffff',
  link: '#7fd1c6',
  calloutBackground: '#20302e',
  calloutBorder: '#4f8f87',
} as const;

export const fonts = {
  body: "'Helvetica Neue', Helvetica, Arial, sans-serif",
  heading: "Georgia, 'Times New Roman', serif",
} as const;

export const type = {
  body: { fontSize: '16px', lineHeight: '26px' },
  small: { fontSize: '13px', lineHeight: '20px' },
  title: { fontSize: '26px', lineHeight: '34px' },
  heading: { fontSize: '20px', lineHeight: '28px' },
  brand: { fontSize: '20px', lineHeight: '28px' },
} as const;

export const space = {
  cardPadding: '32px',
  gutter: '24px',
} as const;

export const layout = {
  /** The usual safe width for email content. */
  maxWidth: '600px',
  radius: '8px',
} as const;

/** Class names the dark-mode stylesheet targets. */
export const cls = {
  canvas: 'm-canvas',
  surface: 'm-surface',
  text: 'm-text',
  muted: 'm-muted',
  link: 'm-link',
  callout: 'm-callout',
  border: 'm-border',
} as const;

/**
 * Dark palette for clients that support `prefers-color-scheme` (Apple Mail, iOS,
 * some Outlook versions) plus Outlook.com's `[data-ogsc]`/`[data-ogsb]` hooks.
 * Inline styles win over stylesheets, hence `!important`.
 */
export const darkModeCss = [
  `:root{color-scheme:light dark;supported-color-schemes:light dark;}`,
  `@media (prefers-color-scheme: dark){`,
  `.${cls.canvas}{background-color:${darkColors.canvas} !important;}`,
  // Body repeats its inline background on the outer table cell: darken that cell too.
  `.${cls.canvas}>table>tbody>tr>td{background-color:${darkColors.canvas} !important;}`,
  `.${cls.surface}{background-color:${darkColors.surface} !important;}`,
  `.${cls.text}{color:${darkColors.text} !important;}`,
  `.${cls.muted}{color:${darkColors.muted} !important;}`,
  `.${cls.link}{color:${darkColors.link} !important;}`,
  `.${cls.callout}{background-color:${darkColors.calloutBackground} !important;border-color:${darkColors.calloutBorder} !important;}`,
  `.${cls.border}{border-color:${darkColors.border} !important;}`,
  `}`,
  `[data-ogsc] .${cls.text}{color:${darkColors.text} !important;}`,
  `[data-ogsc] .${cls.muted}{color:${darkColors.muted} !important;}`,
  `[data-ogsc] .${cls.link}{color:${darkColors.link} !important;}`,
  `[data-ogsb] .${cls.canvas}{background-color:${darkColors.canvas} !important;}`,
  `[data-ogsb] .${cls.canvas}>table>tbody>tr>td{background-color:${darkColors.canvas} !important;}`,
  `[data-ogsb] .${cls.surface}{background-color:${darkColors.surface} !important;}`,
  `[data-ogsb] .${cls.callout}{background-color:${darkColors.calloutBackground} !important;}`,
].join('');
