import { baseConfigSchema, ConfigError, kafkaConnection, loadConfig } from './load-config';

const base = { MONGODB_URI: 'mongodb://db/media', KAFKA_BROKERS: 'k:9093' };
const load = (env: NodeJS.ProcessEnv) => loadConfig(baseConfigSchema(3000), { ...base, ...env });
const files: Record<string, string> = { '/etc/kafka/ca.pem': '-----BEGIN CERTIFICATE-----' };
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
  return text;
};

describe('Kafka connection from configuration', () => {
  it('is plaintext by default', () => {
    expect(kafkaConnection(load({}), readFile)).toEqual({});
  });

  it('is SASL/SCRAM over TLS with the service’s user, password and CA', () => {
    const config = load({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'storage', KAFKA_SASL_PASSWORD: 's3cret', KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem' });
    expect(kafkaConnection(config, readFile)).toEqual({ saslSsl: { username: 'storage', password: 's3cret', ca: '-----BEGIN CERTIFICATE-----' } });
  });

  it('names what SASL_SSL lacks, and an unreadable CA file', () => {
    expect(() => kafkaConnection(load({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' }), readFile)).toThrow(/KAFKA_SASL_USERNAME: is required[\s\S]*KAFKA_SASL_PASSWORD: is required/);
    const config = load({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL_CA_FILE: '/nope.pem' });
    expect(() => kafkaConnection(config, readFile)).toThrow(ConfigError);
    expect(() => kafkaConnection(config, readFile)).toThrow(/KAFKA_SSL_CA_FILE: cannot be read \(ENOENT\)/);
  });

  it('refuses an unknown protocol', () => {
    expect(() => load({ KAFKA_SECURITY_PROTOCOL: 'SSL' })).toThrow(/KAFKA_SECURITY_PROTOCOL:/);
  });
});
