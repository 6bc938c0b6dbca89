// One error type for everything a marketer can get wrong with an issue, with a
// kind the CLI and the web routes map to an exit code or an HTTP status.
export type NewsletterErrorKind = 'invalid' | 'not-found' | 'conflict' | 'rate-limited';

export class NewsletterError extends Error {
  constructor(
    readonly kind: NewsletterErrorKind,
    message: string,
    /** Further lines (each problem of a file, each health claim). */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'NewsletterError';
  }
}
