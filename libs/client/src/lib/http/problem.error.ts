/** An RFC 9457 problem as the API answers every 4xx/5xx: a stable snake_case `code` plus helpful fields. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code: string;
  [field: string]: unknown;
}

/** A refusal or failure the API answered; `code` is stable, `message` is one readable line. */
export class MediaAssetsError extends Error {
  override readonly name = 'MediaAssetsError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
  }

  /** Reads the problem body; a body that is not one (a proxy's HTML page) still gives a useful line. */
  static async fromResponse(response: Response, what: string): Promise<MediaAssetsError> {
    const text = await response.text().catch(() => '');
    let problem: Problem | undefined;
    try {
      const parsed = JSON.parse(text) as Partial<Problem>;
      if (parsed && typeof parsed === 'object' && typeof parsed.code === 'string') problem = { ...parsed, status: response.status, code: parsed.code };
    } catch {
      // not JSON: described by status alone
    }
    const code = problem?.code ?? `http_${response.status}`;
    const reason = problem?.detail ?? problem?.title ?? (response.statusText || 'no details');
    return new MediaAssetsError(response.status, code, `${what}: ${reason} (HTTP ${response.status} ${code})`, problem);
  }
}

/** The whole-file sha256 the server stored differs from the one computed here: the asset is not what was sent. */
export class UploadIntegrityError extends Error {
  override readonly name = 'UploadIntegrityError';
  constructor(
    readonly assetId: string,
    readonly expected: string,
    readonly actual: string | null,
  ) {
    super(`asset ${assetId}: the server's sha256 ${actual ?? '(none)'} differs from the file's ${expected}`);
  }
}

/** What an abort raises: the signal's reason when it is an Error, otherwise a DOMException named AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('the operation was aborted', 'AbortError');
}

export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return (signal?.aborted ?? false) || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError');
}
