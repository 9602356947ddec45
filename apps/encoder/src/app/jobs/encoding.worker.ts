import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isRenderableImage, type ProcessingResultMessage, processingResultSchema, type ProducedFileMessage } from '@media/asset-model';
import { ClaimLoop, registerBacklogGauges, ShutdownAbort, ShutdownState } from '@media/service-kit';
import type { EncoderConfig } from '../encoder.config';
import { ENCODER_CONFIG } from '../encoder-config.token';
import { type JobLimits, MediaRejectedError, type ProcessingResult } from '../media/media-job';
import { resolveSandbox } from '../media/sandbox-isolation';
import { InvalidOutputError, ResultUploader } from '../results/result-uploader';
import { ProcessingResultsReporter } from '../results/processing-results.reporter';
import { EncoderStorageClient, StorageUnavailableError } from '@media/internal-api';
import { ImageSourceCache } from '../variants/image-source.cache';
import { claimDecision, contentMismatch, leaseRenewalIntervalMs, transientDecision } from './encoding-job.policy';
import type { ClaimedJob, EncodingJobRecord } from './encoding-job.record';
import { EncodingJobRepository } from './encoding-job.repository';
import { EncoderMetrics } from './encoder.metrics';
import { JobWorkspace } from './job-workspace';
import { MEDIA_PROCESSOR, type MediaProcessorPort } from './media-processor.port';

type Outcome =
  | { kind: 'result'; result: ProcessingResultMessage }
  /** Run it again later; `keepsAttempt` when the failure may be the file's (it then counts toward the bound). */
  | { kind: 'retry'; error: Error; keepsAttempt?: boolean }
  | { kind: 'lease_lost' }
  /** Stopped by a shutdown: back to the queue at once, its attempt returned. */
  | { kind: 'handed_back' };

class LeaseLostError extends Error {
  constructor() {
    super('the job’s lease was lost to another worker');
    this.name = 'LeaseLostError';
  }
}

/** Why an attempt that threw ended: its abort's reason when it was aborted, otherwise a retry. */
function outcomeOfFailure(signal: AbortSignal, error: unknown): Outcome {
  if (signal.aborted && signal.reason instanceof LeaseLostError) return { kind: 'lease_lost' };
  if (signal.aborted && signal.reason instanceof ShutdownAbort) return { kind: 'handed_back' };
  return { kind: 'retry', error: error instanceof Error ? error : new Error(String(error)) };
}

/**
 * `ENCODER_WORKERS` workers that claim jobs from `encoding_jobs`, run them and record their results.
 * All state is in the collection: a restart, or another replica, continues where this one stopped.
 */
@Injectable()
export class EncodingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EncodingWorker.name);
  private readonly loop: ClaimLoop<ClaimedJob>;
  private readonly leaseMs: number;
  private readonly limits: JobLimits;

  constructor(
    private readonly jobs: EncodingJobRepository,
    private readonly storage: EncoderStorageClient,
    private readonly uploader: ResultUploader,
    private readonly reporter: ProcessingResultsReporter,
    private readonly workspace: JobWorkspace,
    private readonly metrics: EncoderMetrics,
    private readonly sources: ImageSourceCache,
    @Inject(MEDIA_PROCESSOR) private readonly processor: MediaProcessorPort,
    @Inject(ENCODER_CONFIG) private readonly config: EncoderConfig,
    shutdown: ShutdownState,
  ) {
    this.leaseMs = config.ENCODER_LEASE_SECONDS * 1000;
    this.limits = {
      wallClockMs: config.ENCODER_JOB_TIMEOUT_SECONDS * 1000,
      durationScaling: { perMediaSecond: config.ENCODER_JOB_TIMEOUT_PER_MEDIA_SECOND, maxSeconds: config.ENCODER_JOB_TIMEOUT_MAX_SECONDS },
      cpuSeconds: config.ENCODER_JOB_CPU_SECONDS,
      memoryBytes: config.ENCODER_JOB_MEMORY_MB * 1024 * 1024,
      maxPixels: config.ENCODER_MAX_PIXELS,
      fileBytes: config.ENCODER_JOB_FILE_MB * 1024 * 1024,
      processes: config.ENCODER_JOB_PROCESSES,
    };
    const sandbox = resolveSandbox(config.ENCODER_SANDBOX, { uid: config.ENCODER_SANDBOX_UID, gid: config.ENCODER_SANDBOX_GID });
    if (sandbox.isolation) this.limits.isolation = sandbox.isolation;
    else this.logger.warn({ reason: sandbox.reason }, 'media tools run with resource limits only, not isolated');
    // Queue age is what the encoder's objective is about: how long an upload waits for its renditions.
    registerBacklogGauges(metrics.registry, {
      countName: 'encoder_queue_jobs',
      ageName: 'encoder_queue_oldest_age_seconds',
      what: 'encoding jobs not finished yet (waiting or running)',
      read: () => jobs.backlog(),
    });
    this.loop = new ClaimLoop<ClaimedJob>({
      concurrency: config.ENCODER_WORKERS,
      pollIntervalMs: config.ENCODER_POLL_INTERVAL_MS,
      claim: () => this.jobs.claimNext(new Date(), this.leaseMs),
      run: (claim, signal) => this.run(claim, signal),
      // In the trace of the upload that caused it: the job's logs and storage calls join that request.
      trace: { spanName: 'encode asset', traceparentOf: (claim) => claim.record.traceparent },
      unit: 'job',
      logger: this.logger,
      shutdown,
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  /**
   * Running jobs may finish within the shutdown grace; the rest stop, delete what they stored and are
   * handed back due now with their attempt returned, so a restart or another replica runs them at once.
   */
  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** New jobs were recorded: look now instead of at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  private async run(claim: ClaimedJob, shutdownSignal: AbortSignal): Promise<void> {
    const { record } = claim;
    const log = { job: record._id, asset: record.asset_id, attempt: record.attempts };
    const decision = claimDecision(record.attempts, this.config.ENCODER_MAX_ATTEMPTS, record.crash_deferred_for ?? null, this.config.ENCODER_CRASH_BACKOFF_SECONDS * 1000);
    if (!decision.run && decision.code === 'crash_backoff') {
      this.logger.warn({ ...log, delay_ms: decision.delayMs }, 'the last worker of this job died; it runs again after a pause');
      await this.jobs.deferAfterCrash(claim, new Date(Date.now() + decision.delayMs));
      return;
    }
    if (!decision.run) {
      this.logger.warn({ ...log, code: decision.code }, 'a job that ended its worker every time is failed without running');
      await this.finish(claim, failedResult(record, decision.code, decision.message), record.label, decision.code);
      return;
    }
    if (this.config.ENCODER_FAILPOINT_CRASH_ON_SHA256 === record.sha256) {
      // Test-only failpoint: die as a process killed by a poisonous file would, with the job claimed.
      this.logger.warn(log, 'encoder failpoint crash-on-sha256 reached: killing this process');
      process.kill(process.pid, 'SIGKILL');
      return;
    }
    this.logger.log(log, 'running a job');
    const leaseLost = new AbortController();
    const signal = AbortSignal.any([shutdownSignal, leaseLost.signal]);
    this.metrics.running.inc();
    const stopTimer = this.metrics.jobDuration.startTimer({ label: record.label });
    const renewal = setInterval(() => {
      this.jobs
        .renewLease(claim, new Date(Date.now() + this.leaseMs))
        .then((ours) => {
          if (!ours) leaseLost.abort(new LeaseLostError());
        })
        .catch((error: unknown) => this.logger.warn({ ...log, err: error }, 'could not renew a job’s lease'));
    }, leaseRenewalIntervalMs(this.leaseMs));
    const stored: ProducedFileMessage[] = [];
    let outcome: Outcome;
    try {
      outcome = await this.attempt(record, signal, stored);
    } catch (error) {
      outcome = outcomeOfFailure(signal, error);
    } finally {
      clearInterval(renewal);
      this.metrics.running.dec();
    }
    if (outcome.kind === 'result') {
      // The compare-and-set on the lease decides, not what this worker believes about its lease.
      const label = outcome.result.outcome;
      if (await this.finish(claim, outcome.result, record.label, label)) {
        stopTimer({ outcome: label });
        return;
      }
      outcome = { kind: 'lease_lost' };
    }
    // This attempt's files are not reported: the job's result will come from another attempt.
    this.abandonStored(record, stored);
    if (outcome.kind === 'lease_lost') {
      stopTimer({ outcome: 'lease_lost' });
      this.metrics.jobs.inc({ label: record.label, outcome: 'lease_lost' });
      this.logger.warn(log, 'lost a job’s lease; nothing is reported');
      return;
    }
    if (outcome.kind === 'handed_back') {
      stopTimer({ outcome: 'handed_back' });
      this.logger.warn(log, 'handed a job back at shutdown');
      await this.jobs.release(claim, new Date(), 'the encoder shut down during the job', { countFailure: false }).catch(() => undefined);
      return;
    }
    if (outcome.kind === 'retry') await this.retryLater(claim, outcome, stopTimer);
  }

  /** Download, process, store. Throws for infrastructure errors (retried); returns a result otherwise. */
  private async attempt(record: EncodingJobRecord, signal: AbortSignal, stored: ProducedFileMessage[]): Promise<Outcome> {
    const mismatch = contentMismatch(record.original_name, record.label);
    if (mismatch) {
      this.logger.warn({ job: record._id, code: mismatch.code, name: record.original_name, label: record.label }, 'the file was rejected');
      return { kind: 'result', result: failedResult(record, mismatch.code, mismatch.message) };
    }
    const folder = await this.workspace.create();
    try {
      const candidates = await this.storage.findOriginal(record.asset_id, record.tenant, record.sha256);
      let original: string | null = null;
      for (const fileId of candidates) {
        if ((await this.storage.download(fileId, record.tenant, folder.inputPath)) === null) continue;
        original = fileId;
        break;
      }
      if (original === null) {
        return { kind: 'result', result: failedResult(record, 'original_not_found', 'the original file is no longer stored (the asset was deleted or replaced)') };
      }
      // Sizes of a new photo are asked for right after its upload: the renderer of this replica gets the
      // original now, before the sandbox may touch the job's copy, instead of downloading it again.
      if (record.mime_type && isRenderableImage(record.mime_type)) await this.sources.adopt(original, folder.inputPath);
      await folder.handOver(this.limits.isolation);
      signal.throwIfAborted();
      let processed: ProcessingResult;
      try {
        processed = await this.processor.process(
          { label: record.label, mimeType: record.mime_type, inputPath: folder.inputPath, outputDir: folder.outputDir, limits: this.limits },
          signal,
        );
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof MediaRejectedError) {
          this.logger.warn({ job: record._id, code: error.code, detail: error.detail }, 'the file was rejected');
          return { kind: 'result', result: failedResult(record, error.code, error.message) };
        }
        // Not a verdict on the file but trouble of the machine (disk full, a tool missing): tried again
        // later, and the attempt stays used, so a file that always trips it ends after the bound.
        this.logger.error({ err: error, job: record._id }, 'processing failed unexpectedly');
        return { kind: 'retry', error: error instanceof Error ? error : new Error(String(error)), keepsAttempt: true };
      }
      signal.throwIfAborted();
      let files: ProducedFileMessage[];
      try {
        files = await this.uploader.storeAll({ assetId: record.asset_id, tenant: record.tenant }, folder.outputDir, processed.files, stored);
      } catch (error) {
        if (!(error instanceof InvalidOutputError)) throw error;
        this.abandonStored(record, stored);
        this.logger.error({ err: error, job: record._id }, 'processing produced output that cannot be stored');
        return { kind: 'result', result: failedResult(record, 'processing_error', 'the file could not be processed') };
      }
      const result = readyResult(record, processed, files);
      if (!processingResultSchema.safeParse(result).success) {
        this.abandonStored(record, stored);
        this.logger.error({ job: record._id, result }, 'processing produced a result that breaks the contract');
        return { kind: 'result', result: failedResult(record, 'processing_error', 'the file could not be processed') };
      }
      return { kind: 'result', result };
    } finally {
      await folder.remove();
    }
  }

  /** Records the result if the lease is still ours, then publishes it; false when the lease was lost. */
  private async finish(claim: ClaimedJob, result: ProcessingResultMessage, label: string, outcome: string): Promise<boolean> {
    if (!(await this.jobs.complete(claim, result))) return false;
    this.metrics.jobs.inc({ label, outcome });
    this.logger.log({ job: claim.record._id, outcome, code: result.error?.code }, 'a job ended');
    const completed = await this.jobs.findOne(claim.record._id);
    if (completed) {
      // A failure here only delays the result: the reporter's sweep publishes what was recorded.
      await this.reporter.publish(completed).catch((error: unknown) => this.logger.warn({ err: error, job: claim.record._id }, 'could not publish a result yet'));
    }
    return true;
  }

  private async retryLater(claim: ClaimedJob, retry: { error: Error; keepsAttempt?: boolean }, stopTimer: (labels: { outcome: string }) => void): Promise<void> {
    const { record } = claim;
    const { error } = retry;
    const decision = transientDecision(record.transient_failures);
    stopTimer({ outcome: 'retry' });
    if (!decision.retry) {
      this.logger.error({ job: record._id, err: error }, 'a job failed on infrastructure errors too often; it is given up');
      await this.finish(claim, failedResult(record, 'processing_unavailable', 'the file could not be read or its results stored; upload it again'), record.label, 'failed');
      return;
    }
    this.metrics.jobs.inc({ label: record.label, outcome: 'retry' });
    this.logger.warn({ job: record._id, err: error, delay_ms: decision.delayMs, transient: error instanceof StorageUnavailableError }, 'a job will be retried');
    await this.jobs.release(claim, new Date(Date.now() + decision.delayMs), error.message, { keepAttempt: retry.keepsAttempt === true }).catch(() => undefined);
  }

  /**
   * Files of an attempt whose result will come from elsewhere. The encoder holds no right to delete
   * (storage refuses it: a compromised encoder must not be able to destroy bytes), so they stay tagged
   * with their asset and are collected when the asset is deleted.
   */
  private abandonStored(record: EncodingJobRecord, stored: ProducedFileMessage[]): void {
    const abandoned = stored.splice(0).map((file) => file.storage_file_id);
    if (abandoned.length > 0) this.logger.warn({ job: record._id, asset: record.asset_id, files: abandoned }, 'files of an abandoned attempt are left to the asset\'s deletion');
  }
}

function baseResult(record: EncodingJobRecord) {
  return {
    id: randomUUID(),
    created_on: new Date().toISOString(),
    job_id: record._id,
    asset_id: record.asset_id,
    tenant: record.tenant,
    original_file_id: record.original_file_id,
  };
}

export function failedResult(record: EncodingJobRecord, code: string, message: string): ProcessingResultMessage {
  return { ...baseResult(record), outcome: 'failed', width: null, height: null, duration: null, bitrate: null, page_count: null, files: [], error: { code, message } };
}

function readyResult(record: EncodingJobRecord, processed: ProcessingResult, files: ProducedFileMessage[]): ProcessingResultMessage {
  const dimension = (value: number | null) => (value !== null && value > 0 ? Math.round(value) : null);
  return {
    ...baseResult(record),
    outcome: 'ready',
    width: dimension(processed.width),
    height: dimension(processed.height),
    duration: processed.duration !== null && processed.duration >= 0 ? processed.duration : null,
    bitrate: dimension(processed.bitrate),
    page_count: dimension(processed.pageCount),
    files,
    error: null,
  };
}
