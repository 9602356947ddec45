import { type CallHandler, type ExecutionContext, Inject, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import type { Principal } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import type { IngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { RateLimitRepository } from './rate-limit.repository';
import { type BucketPolicy, rateLimitHeaders, type TakeDecision } from './token-bucket.policy';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The route classes of the public API and their buckets, from configuration. */
export function bucketPolicies(config: IngestApiConfig): { reads: BucketPolicy; writes: BucketPolicy; uploadBytes: BucketPolicy } {
  return {
    reads: { name: 'reads', burst: config.RATE_LIMIT_READS_BURST, perSecond: config.RATE_LIMIT_READS_PER_SECOND },
    writes: { name: 'writes', burst: config.RATE_LIMIT_WRITES_BURST, perSecond: config.RATE_LIMIT_WRITES_PER_SECOND },
    uploadBytes: { name: 'upload_bytes', burst: config.RATE_LIMIT_UPLOAD_BYTES_BURST, perSecond: config.RATE_LIMIT_UPLOAD_BYTES_PER_SECOND },
  };
}

/**
 * Per-tenant token buckets on every authenticated route: reads (GET, HEAD), writes (everything else) and,
 * for requests with a body, upload bytes (charged by `Content-Length` before a byte is read). Every answer
 * carries `RateLimit-Policy` and `RateLimit`; a refusal is 429 problem+json with `Retry-After`. Runs after
 * the bearer guard, so unauthenticated answers (401) and public routes (/cdn, /docs, health) are not counted.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger(RateLimitInterceptor.name);
  private readonly policies: ReturnType<typeof bucketPolicies>;

  constructor(
    private readonly buckets: RateLimitRepository,
    @Inject(INGEST_CONFIG) config: IngestApiConfig,
  ) {
    this.policies = bucketPolicies(config);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { principal?: Principal }>();
    const tenant = request.principal?.tenant;
    if (context.getType() !== 'http' || !tenant) return next.handle();
    return from(this.admit(tenant, request, http.getResponse<Response>())).pipe(switchMap(() => next.handle()));
  }

  private async admit(tenant: string, request: Request, response: Response): Promise<void> {
    const charges: { policy: BucketPolicy; cost: number }[] = [{ policy: READ_METHODS.has(request.method) ? this.policies.reads : this.policies.writes, cost: 1 }];
    const length = Number(request.headers['content-length'] ?? 0);
    if (Number.isSafeInteger(length) && length > 0) charges.push({ policy: this.policies.uploadBytes, cost: length });
    const states: { policy: BucketPolicy; remaining: number }[] = [];
    let refusal: { policy: BucketPolicy; decision: Extract<TakeDecision, { allowed: false }> } | undefined;
    for (const { policy, cost } of charges) {
      let decision: TakeDecision;
      try {
        decision = await this.buckets.take(tenant, policy, cost);
      } catch (error) {
        // A limiter that cannot reach its store lets the request through: it protects, it must not break.
        this.logger.warn({ err: error, tenant, policy: policy.name }, 'rate limit store unavailable; request let through');
        return;
      }
      states.push({ policy, remaining: decision.remaining });
      if (!decision.allowed) {
        refusal = { policy, decision };
        break;
      }
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(states))) response.setHeader(name, value);
    if (refusal) {
      const { policy, decision } = refusal;
      throw new DomainError(
        429,
        'rate_limited',
        'Too many requests',
        `the tenant's "${policy.name}" quota is used up; retry in ${decision.retryAfterSeconds} s`,
        { policy: policy.name, retry_after: decision.retryAfterSeconds },
        { 'Retry-After': String(decision.retryAfterSeconds) },
      );
    }
  }
}
