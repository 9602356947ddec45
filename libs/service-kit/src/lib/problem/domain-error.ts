/**
 * The one way services report a failure a client caused or can act on. The filter turns it into
 * RFC 9457 problem+json; `code` is the stable machine-readable name clients switch on.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    /** Extra members of the problem document (offsets, scope, ...), snake_case as on the wire. */
    readonly extensions: Readonly<Record<string, unknown>> = {},
    /** Response headers that belong to the problem (WWW-Authenticate, Retry-After, ...). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? title);
    this.name = 'DomainError';
  }
}
