import path from 'node:path';
import { startContainerInfrastructure } from './infrastructure.containers';
import { startKafka } from './kafka.process';
import { startMongo } from './mongo.process';

export interface Infrastructure {
  mongodbUri: string;
  kafkaBrokers: string;
  /** What was started here (servers the user runs are left alone). */
  started: string[];
  stop(): Promise<void>;
}

export interface InfrastructureOptions {
  repoRoot: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /**
   * Keep the database's and the broker's data in this folder (`mongo/`, `kafka/`), so servers started
   * again on it have everything the last ones had; unset, both run throwaway (the database in memory).
   */
  dataDir?: string;
}

/**
 * The servers tests and the local suite run against: the user's own when `MONGODB_URI` / `KAFKA_BROKERS`
 * are set; containers started by testcontainers with `TEST_INFRA=containers`; otherwise (the default,
 * and faster here) a real Kafka broker and the MongoDB-wire server started here as plain processes.
 */
export async function startInfrastructure({ repoRoot, env = process.env, log, dataDir }: InfrastructureOptions): Promise<Infrastructure> {
  if (env['TEST_INFRA'] === 'containers' && !env['MONGODB_URI'] && !env['KAFKA_BROKERS']) {
    return startContainerInfrastructure({ repoRoot, log: log ?? (() => undefined) });
  }
  const givenMongo = env['MONGODB_URI'];
  const givenKafka = env['KAFKA_BROKERS'];
  // Both start in parallel: the JVMs dominate start-up and the machine has two cores for two servers.
  const [mongo, kafka] = await Promise.all([
    givenMongo ? { uri: givenMongo, stop: async () => undefined, local: false } : startMongo({ repoRoot, log, dataDir: dataDir === undefined ? undefined : path.join(dataDir, 'mongo') }).then((m) => ({ ...m, local: true })),
    givenKafka ? { brokers: givenKafka, stop: async () => undefined, local: false } : startKafka({ repoRoot, log, ...(dataDir === undefined ? {} : { stateDir: path.join(dataDir, 'kafka') }) }).then((k) => ({ ...k, local: true })),
  ]);
  return {
    mongodbUri: mongo.uri,
    kafkaBrokers: kafka.brokers,
    started: [...(mongo.local ? ['mongodb'] : []), ...(kafka.local ? ['kafka'] : [])],
    stop: async () => {
      await Promise.all([kafka.stop(), mongo.stop()]);
    },
  };
}
