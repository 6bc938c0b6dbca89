// The plain-text part of an email, built from the rendered html's structure:
// the preheader first (what the inbox showed), then the content, the title
// (h1) underlined with '=', section headings (h2) with '-'.
//
// Lines are never re-wrapped (wordwrap: false): a line's break points would
// depend on the length of a name or a URL in it, and the personaliser splices
// those into text rendered once (see createPersonaliser). Hard-wrapped text
// without format=flowed also reads ragged on phones, and quoted-printable keeps
// the wire lines short anyway.
import { toPlainText } from 'react-email';

type TextOptions = NonNullable<Parameters<typeof toPlainText>[1]>;

/** html-to-text's block builder, as far as the heading formatter uses it. */
interface BlockBuilder {
  openBlock(options: { leadingLineBreaks: number }): void;
  closeBlock(options: { trailingLineBreaks: number; blockTransform: (text: string) => string }): void;
}
type Walk = (nodes: unknown, builder: BlockBuilder) => void;

export interface TextPartOptions {
  /**
   * Text that must never end up in a heading (the personaliser's placeholder
   * nonce): an underline is as long as its heading, so a personal value there
   * would make it depend on the recipient. Such a template is refused.
   */
  personalMarker?: string;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Width of a heading line in user-perceived characters (graphemes). */
function graphemeCount(line: string): number {
  let n = 0;
  for (const _ of segmenter.segment(line)) n++;
  return n;
}

function underlinedHeading(mark: '=' | '-', personalMarker: string | undefined) {
  return (elem: { children: unknown }, walk: Walk, builder: BlockBuilder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    walk(elem.children, builder);
    builder.closeBlock({
      trailingLineBreaks: 2,
      blockTransform: (heading) => {
        if (personalMarker !== undefined && heading.includes(personalMarker)) {
          throw new Error('A heading holds a personal field; its underline would depend on the recipient.');
        }
        const width = Math.max(1, ...heading.split('\n').map(graphemeCount));
        return `${heading}\n${mark.repeat(width)}`;
      },
    });
  };
}

function options(personalMarker: string | undefined): TextOptions {
  return {
    wordwrap: false,
    formatters: {
      titleHeading: underlinedHeading('=', personalMarker),
      sectionHeading: underlinedHeading('-', personalMarker),
    },
    selectors: [
      { selector: 'h1', format: 'titleHeading' },
      { selector: 'h2', format: 'sectionHeading' },
      // Headings keep their case: upper-casing shouts in a health email.
      { selector: 'h3', options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1 } },
    ],
  };
}

const PLAIN = options(undefined);

/**
 * The text/plain part: the preheader, a blank line, then the html as text.
 * The html's own hidden preheader is skipped (react-email marks it
 * data-skip-in-text), so it appears once.
 */
export function textPart(html: string, preheader: string, opts: TextPartOptions = {}): string {
  const body = toPlainText(html, opts.personalMarker === undefined ? PLAIN : options(opts.personalMarker));
  return `${preheader}\n\n${body}`;
}
