import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs';
import { MongoBulkWriteError, MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import mongoose from 'mongoose';
import { z } from 'zod';
import { isTransientFailure } from './transient-failure';

describe('isTransientFailure', () => {
  it('knows the errors of an unreachable or restarting database, from either copy of the driver', () => {
    expect(isTransientFailure(new MongoServerSelectionError('connection 3 to 127.0.0.1:27017 closed', {} as never))).toBe(true);
    expect(isTransientFailure(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isTransientFailure(new mongoose.Error.MongooseServerSelectionError('could not connect'))).toBe(true);
    expect(isTransientFailure(new mongoose.Error('Operation `assets.find()` buffering timed out after 10000ms'))).toBe(true);
  });

  it('knows a server error labelled retryable (a primary stepping down), and not one without the label', () => {
    const steppedDown = new MongoServerError({ message: 'not primary', code: 10107, errorLabels: ['RetryableWriteError'] });
    expect(isTransientFailure(steppedDown)).toBe(true);
    expect(isTransientFailure(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(false);
  });

  it('follows kafkajs’s own verdict', () => {
    expect(isTransientFailure(new KafkaJSConnectionError('broker down'))).toBe(true);
    expect(isTransientFailure(new KafkaJSNonRetriableError('bad request'))).toBe(false);
  });

  it('looks through causes a use case wrapped around the driver’s error, and into a bulk write’s', () => {
    expect(isTransientFailure(new Error('planning failed', { cause: new MongoNetworkError('reset') }))).toBe(true);
    expect(isTransientFailure(new MongoBulkWriteError(new MongoNetworkError('connection 2 to 127.0.0.1:27017 closed'), {} as never))).toBe(true);
    expect(isTransientFailure(new MongoBulkWriteError({ message: 'E11000 duplicate key', code: 11000 }, {} as never))).toBe(false);
  });

  it('leaves every other failure to the attempt limit', () => {
    const invalid = z.object({ id: z.string() }).safeParse({});
    expect(isTransientFailure(invalid.success ? null : invalid.error)).toBe(false);
    expect(isTransientFailure(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isTransientFailure('a string')).toBe(false);
    expect(isTransientFailure(undefined)).toBe(false);
    // A cycle of causes ends.
    const looped = new Error('loop') as Error & { cause?: unknown };
    looped.cause = looped;
    expect(isTransientFailure(looped)).toBe(false);
  });
});
