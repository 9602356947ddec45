import type { ArgumentsHost } from '@nestjs/common';
import { MongoBulkWriteError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { DomainError } from './domain-error';
import { ProblemDetailsFilter } from './problem-details.filter';

/** What the filter sent: an Express response's surface it uses, recording instead of writing a socket. */
function answer(exception: unknown): { status: number; headers: Record<string, string>; type: string; body: Record<string, unknown> } {
  const sent = { status: 0, headers: {} as Record<string, string>, type: '', body: {} as Record<string, unknown> };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    set(headers: Record<string, string>) {
      Object.assign(sent.headers, headers);
      return this;
    },
    type(value: string) {
      sent.type = value;
      return this;
    },
    send(body: string) {
      sent.body = JSON.parse(body) as Record<string, unknown>;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(exception, host);
  return sent;
}

describe('ProblemDetailsFilter', () => {
  it('answers a database that is briefly away with 503 database_unavailable and Retry-After, never 500', () => {
    for (const error of [
      new MongoServerSelectionError('connection 3 to 127.0.0.1:27017 closed', {} as never),
      // A bulk write wraps the network error: the chaos run saw this one answered 500.
      new MongoBulkWriteError(new MongoNetworkError('connection 2 to 127.0.0.1:27017 closed'), {} as never),
    ]) {
      const sent = answer(error);
      expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '1' }, type: 'application/problem+json', body: { code: 'database_unavailable', status: 503 } });
      expect(JSON.stringify(sent.body)).not.toContain('127.0.0.1');
    }
  });

  it('keeps a defect a 500 without internals, and a domain error as it was raised', () => {
    expect(answer(new TypeError('x is undefined'))).toMatchObject({ status: 500, body: { code: 'internal_error' } });
    expect(answer(new DomainError(409, 'upload_completed', 'Upload already completed', 'done'))).toMatchObject({ status: 409, body: { code: 'upload_completed', detail: 'done' } });
  });
});
