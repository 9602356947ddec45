import { availableParallelism, tmpdir } from 'node:os';
import { serviceCalleeConfigFields, serviceCallerConfigFields } from '@media/service-identity';
import { baseConfigSchema, configFields, loadConfig, refuseTestSwitchesInProduction } from '@media/service-kit';
import { z } from 'zod';

export const encoderConfigSchema = baseConfigSchema(3002).extend({
  ...serviceCallerConfigFields,
  // Its render route (ingest-api's images on demand) takes service tokens; probes and metrics stay open.
  ...serviceCalleeConfigFields,
  STORAGE_URL: configFields.url().describe('internal URL of the storage service'),
  // One per core by default, since each job is CPU-bound.
  ENCODER_WORKERS: configFields.positiveInt(availableParallelism()).meta({ description: 'jobs run at once by one process', defaultDoc: 'number of CPU cores' }),
  ENCODER_MAX_ATTEMPTS: configFields.positiveInt(3).describe('a job claimed more often than this (its worker died every time) ends `failed` with `worker_crashed`'),
  ENCODER_CRASH_BACKOFF_SECONDS: configFields
    .positiveInt(30)
    .describe('pause before a job whose worker died runs again, doubled for each further crash (keeps a crash loop from starving the jobs behind it)'),
  ENCODER_LEASE_SECONDS: configFields.positiveInt(60).describe('how long a claimed job stays with its replica without a renewal (renewed while it runs)'),
  ENCODER_POLL_INTERVAL_MS: configFields.positiveInt(1000).describe('how often jobs are looked for when nothing woke the workers'),
  ENCODER_JOB_TIMEOUT_SECONDS: configFields
    .positiveInt(900)
    .describe("wall-clock bound of one job's processing (the base for audio and video, which get more per second of media); at the bound its child processes are killed"),
  ENCODER_JOB_TIMEOUT_PER_MEDIA_SECOND: z.coerce
    .number()
    .min(0)
    .max(1000)
    .default(6)
    .describe('audio and video: wall-clock seconds added to the bound per second of media (ffprobe\'s duration); the CPU bound grows in the same proportion. 0 keeps a fixed bound'),
  ENCODER_JOB_TIMEOUT_MAX_SECONDS: configFields
    .positiveInt(43_200)
    .describe('ceiling of a duration-scaled bound, whatever length a file claims (never below `ENCODER_JOB_TIMEOUT_SECONDS`)'),
  ENCODER_JOB_CPU_SECONDS: configFields.positiveInt(1800).describe('CPU seconds per child process of a job (RLIMIT_CPU)'),
  ENCODER_JOB_MEMORY_MB: configFields.positiveInt(2048).describe('address space per child process of a job (RLIMIT_AS), in MiB'),
  ENCODER_MAX_PIXELS: configFields.positiveInt(100_000_000).describe('largest image (width × height) decoded: stops decompression bombs'),
  IMAGE_RENDER_THREADS: configFields
    .positiveInt(Math.max(1, availableParallelism()))
    .meta({ description: 'worker threads rendering images on demand (a bounded pool beside the jobs)', defaultDoc: 'number of CPU cores' }),
  IMAGE_RENDER_QUEUE: configFields.positiveInt(256).describe('image renders waiting for a thread before the renderer answers 503 (busy)'),
  IMAGE_RENDER_TIMEOUT_SECONDS: configFields.positiveInt(30).describe('bound of one on-demand image render; also how long its claim holds against other replicas'),
  IMAGE_MAX_VARIANTS_PER_FILE: configFields.positiveInt(100).describe('distinct on-demand images one stored file may have; more are refused (400 `variant_limit_reached`)'),
  IMAGE_SOURCE_CACHE_MB: configFields
    .positiveInt(512)
    .describe('disk kept for originals downloaded for on-demand renders (stored files never change, so the sizes of one page render from one download); least recently used go first'),
  ENCODER_TMP_DIR: z
    .string()
    .min(1)
    .default(tmpdir())
    .meta({ description: 'parent folder of the per-job temporary folders (each removed when its job ends)', defaultDoc: "the system's temporary folder" }),
  ENCODER_JOB_FILE_MB: configFields.positiveInt(32 * 1024).describe('largest file a child process of a job may write (RLIMIT_FSIZE), in MiB'),
  ENCODER_JOB_PROCESSES: configFields.positiveInt(512).describe('processes and threads of the sandbox user (RLIMIT_NPROC; binds only with `ENCODER_SANDBOX` isolating)'),
  ENCODER_SANDBOX: z
    .enum(['auto', 'isolate', 'limits-only'])
    .default('auto')
    .describe('`isolate`: tools run as `ENCODER_SANDBOX_UID` in a network namespace without interfaces (needs root or CAP_SYS_ADMIN+CAP_SETUID; refuses to start otherwise); `limits-only`: resource limits only, for containers without that privilege (the pod\'s securityContext and NetworkPolicy confine the whole encoder instead); `auto`: `isolate` when possible, else `limits-only` with a warning'),
  ENCODER_SANDBOX_UID: z.coerce.number().int().min(1).max(4_294_967_294).default(65534).describe('unprivileged user id tools run as when isolating (never 0)'),
  ENCODER_SANDBOX_GID: z.coerce.number().int().min(1).max(4_294_967_294).default(65534).describe('group id tools run as when isolating'),
  ENCODER_FAILPOINT_CRASH_ON_SHA256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .optional()
    .describe('tests only, refused with `NODE_ENV=production`: the process kills itself (SIGKILL) when it claims a job whose original has this sha256, as a file that crashes its worker every time would'),
}).superRefine(refuseTestSwitchesInProduction('ENCODER_FAILPOINT_CRASH_ON_SHA256'));
export type EncoderConfig = z.infer<typeof encoderConfigSchema>;

export function loadEncoderConfig(env: NodeJS.ProcessEnv = process.env): EncoderConfig {
  return loadConfig(encoderConfigSchema, env);
}
