import { z } from 'zod';

/** Thrown once at boot when the environment does not satisfy a service's schema. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment against a service's schema, once, at boot. Every problem names the variable
 * so an operator can fix a bad deployment from the first log line instead of a stack trace.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings are how Kubernetes and shells spell "unset"; treating them as absent lets defaults apply.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      // The variable, not the element of its parsed value (`KAFKA_BROKERS`, not `KAFKA_BROKERS.1`).
      const variable = issue.path.length > 0 ? String(issue.path[0]) : '(environment)';
      return `${variable}: ${issue.message}`;
    }),
  );
}

/** Reusable field types, so every service spells the shared variables identically. */
export const configFields = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  mongodbUri: () =>
    z
      .string({ error: 'is required (a mongodb:// or mongodb+srv:// URI)' })
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  kafkaBrokers: () =>
    z
      .string({ error: 'is required (comma-separated host:port list)' })
      .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'needs at least one broker')),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  url: () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
};

/** The variables every service reads; each service extends this with its own. */
export function baseConfigSchema(defaultPort: number) {
  return z.object({
    MONGODB_URI: configFields.mongodbUri().describe('`mongodb://` or `mongodb+srv://` URI, database included'),
    KAFKA_BROKERS: configFields.kafkaBrokers().describe('comma-separated `host:port` list'),
    KAFKA_SECURITY_PROTOCOL: z
      .enum(['PLAINTEXT', 'SASL_SSL'])
      .default('PLAINTEXT')
      .describe('`PLAINTEXT` (local runs) or `SASL_SSL`: TLS to the brokers and SASL/SCRAM-SHA-512 with `KAFKA_SASL_USERNAME`/`KAFKA_SASL_PASSWORD`'),
    KAFKA_SASL_USERNAME: z.string().min(1).optional().describe('SCRAM user of this service (its Kafka principal); required with `SASL_SSL`'),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional().describe('password of the SCRAM user; required with `SASL_SSL`'),
    KAFKA_SSL_CA_FILE: z.string().min(1).optional().describe("PEM file of the CA that signed the brokers' certificates; the system's CAs when unset"),
    PORT: configFields.port(defaultPort).describe('HTTP port'),
    HOST: z.string().min(1).default('0.0.0.0').describe('interface to bind'),
    LOG_LEVEL: configFields.logLevel().describe('`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('`development`, `production` or `test`'),
    // Defaults fit Kubernetes' 30 s terminationGracePeriodSeconds: delay + grace + 10 s of closing.
    SHUTDOWN_GRACE_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(15)
      .describe('after SIGTERM, in-flight requests and jobs may finish within this; then they are cut (an upload chunk keeps no byte) and the process closes its connections and exits 0, or exits 1 if closing takes another 10 s'),
    SHUTDOWN_DELAY_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .max(300)
      .default(0)
      .describe('after SIGTERM, readiness answers 503 but requests are still taken for this long, so load balancers stop routing first (or use a preStop hook)'),
    // Read by the OpenTelemetry exporter itself (with the other standard OTEL_EXPORTER_OTLP_* variables);
    // declared here so a malformed value stops the service at boot like any other setting.
    OTEL_EXPORTER_OTLP_ENDPOINT: configFields
      .url()
      .optional()
      .describe('OTLP/HTTP collector (e.g. `http://otel-collector:4318`) traces are exported to; unset, spans are still made (their ids are on every log line and in `traceresponse`) but not sent'),
  });
}
export type BaseConfig = z.infer<ReturnType<typeof baseConfigSchema>>;

/**
 * The Kafka connection a configuration asks for. SASL_SSL without its credentials or with an unreadable CA
 * file stops the service at boot, naming the variable, like any other bad setting.
 */
export function kafkaConnection(config: BaseConfig, readFile: (path: string) => string): { saslSsl?: { username: string; password: string; ca?: string } } {
  if (config.KAFKA_SECURITY_PROTOCOL === 'PLAINTEXT') return {};
  const problems: string[] = [];
  if (!config.KAFKA_SASL_USERNAME) problems.push('KAFKA_SASL_USERNAME: is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL');
  if (!config.KAFKA_SASL_PASSWORD) problems.push('KAFKA_SASL_PASSWORD: is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL');
  let ca: string | undefined;
  if (config.KAFKA_SSL_CA_FILE) {
    try {
      ca = readFile(config.KAFKA_SSL_CA_FILE);
    } catch (error) {
      problems.push(`KAFKA_SSL_CA_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { saslSsl: { username: config.KAFKA_SASL_USERNAME as string, password: config.KAFKA_SASL_PASSWORD as string, ...(ca ? { ca } : {}) } };
}

/**
 * Test-only switches (failpoints that hang or kill the process on purpose) stop a production process at
 * boot: one left set by a copied environment would otherwise sabotage a live service silently.
 */
export function refuseTestSwitchesInProduction<T extends { NODE_ENV: string }>(...switches: (keyof T & string)[]) {
  return (config: T, context: z.RefinementCtx): void => {
    if (config.NODE_ENV !== 'production') return;
    for (const name of switches) {
      if (config[name] !== undefined) context.addIssue({ code: 'custom', path: [name], message: 'is a test-only switch and is refused with NODE_ENV=production' });
    }
  };
}
