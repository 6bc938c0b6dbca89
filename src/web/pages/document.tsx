// The HTML document every Meridian page is served in (reader pages, the
// iframe embed, the console, the outbox): the same head, with each page's own
// title, stylesheets and scripts. The body is the page's.
import type { ReactNode } from 'react';

export interface DocumentProps {
  title: string;
  /** Served by Meridian itself, in cascade order. */
  stylesheets: readonly string[];
  /** Served by Meridian itself (CSP: script-src 'self'); deferred. */
  scripts?: readonly string[];
  /**
   * Follow the reader's light or dark setting (default). The iframe embed
   * leaves it out: its page is transparent over the clinic's own page.
   */
  colorScheme?: boolean;
  /** More <meta> elements, after the standard ones. */
  meta?: ReactNode;
  bodyClassName?: string;
  children: ReactNode;
}

export function Document(props: DocumentProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.colorScheme === false ? null : <meta name="color-scheme" content="light dark" />}
        <meta name="robots" content="noindex" />
        {props.meta}
        <title>{props.title}</title>
        {props.stylesheets.map((href) => (
          <link key={href} rel="stylesheet" href={href} />
        ))}
        {(props.scripts ?? []).map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body className={props.bodyClassName}>{props.children}</body>
    </html>
  );
}
