export * from './lib/cloud-events';
export * from './lib/kafka.module';
export * from './lib/topics';
export * from './lib/resilient-consumer';
export * from './lib/trace-context';
export * from './lib/message-contract';
export * from './lib/contract.consumer';
export * from './lib/dead-letter';
