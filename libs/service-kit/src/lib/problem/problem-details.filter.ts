import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isTransientFailure } from '@media/messaging';
import { DomainError } from './domain-error';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  [extension: string]: unknown;
}

/** Codes for failures raised by the framework or body parsers rather than by our own code. */
const codeByStatus: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_content',
  429: 'too_many_requests',
};

/** Maps any thrown value to problem+json. Internals (stacks, driver messages) never leave the process. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetailsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { problem, headers } = this.toProblem(exception);
    if (problem.status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) {
      // Too late for a problem document: the only honest signal left is an aborted body.
      response.destroy();
      return;
    }
    response.status(problem.status).set(headers).type('application/problem+json').send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): { problem: ProblemDocument; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      return {
        problem: {
          ...exception.extensions,
          type: `urn:problem:${exception.code}`,
          title: exception.title,
          status: exception.status,
          ...(exception.detail ? { detail: exception.detail } : {}),
          code: exception.code,
        },
        headers: { ...exception.headers },
      };
    }
    const status = statusOf(exception);
    if (exception instanceof HttpException && status === 503) {
      // Readiness says "not ready" with 503 and which dependency failed; probes and operators need both.
      return {
        problem: { type: 'urn:problem:service_unavailable', title: 'Service unavailable', status, code: 'service_unavailable', details: exception.getResponse() },
        headers: {},
      };
    }
    if (status === undefined && isTransientFailure(exception)) {
      // The database restarting or failing over is the client's cue to retry, not a defect: 503, as
      // for any other dependency that is briefly away, never a 500.
      return {
        problem: {
          type: 'urn:problem:database_unavailable',
          title: 'Database unavailable',
          status: 503,
          detail: 'the database could not be reached; retry shortly',
          code: 'database_unavailable',
        },
        headers: { 'Retry-After': '1' },
      };
    }
    if (status !== undefined && status < 500) {
      const code = codeByStatus[status] ?? 'bad_request';
      return {
        problem: { type: `urn:problem:${code}`, title: titleOf(exception, code), status, code },
        headers: {},
      };
    }
    return {
      problem: { type: 'urn:problem:internal_error', title: 'Internal server error', status: 500, code: 'internal_error' },
      headers: {},
    };
  }
}

/** Nest's HttpException, or the `status`/`statusCode` that body parsers and http-errors attach. */
function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (typeof exception === 'object' && exception !== null) {
    const candidate = (exception as { status?: unknown; statusCode?: unknown }).status ??
      (exception as { statusCode?: unknown }).statusCode;
    if (typeof candidate === 'number' && candidate >= 400 && candidate < 600) return candidate;
  }
  return undefined;
}

function titleOf(exception: unknown, code: string): string {
  // Nest's own messages for 4xx are safe and helpful ("Cannot GET /x"); anything else gets the code.
  if (exception instanceof HttpException) return exception.message;
  return code.replace(/_/g, ' ');
}
