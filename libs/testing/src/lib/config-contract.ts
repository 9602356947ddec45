import { ConfigError } from '@media/service-kit';

type LoadConfig = (env: NodeJS.ProcessEnv) => { KAFKA_BROKERS: string[]; PORT: number };

/**
 * The boot-time configuration contract every service keeps: bad or missing variables stop it with a
 * message naming them; a valid environment becomes typed settings.
 */
export function describeConfigContract(
  service: string,
  load: LoadConfig,
  required: NodeJS.ProcessEnv = {},
  /** Cross-field rules (one of two variables) only run once the fields themselves parse; leave those out. */
  namedWhenAllMissing: string[] = Object.keys(required),
): void {
  const valid = { MONGODB_URI: 'mongodb://127.0.0.1:27017/media', KAFKA_BROKERS: '127.0.0.1:9092', ...required };

  describe(`${service} configuration`, () => {
    it('stops with a message naming every missing variable', () => {
      expect(() => load({})).toThrow(ConfigError);
      for (const variable of ['MONGODB_URI', 'KAFKA_BROKERS', ...namedWhenAllMissing]) expect(() => load({})).toThrow(new RegExp(`- ${variable}:`));
    });

    it.each([
      ['MONGODB_URI', 'postgres://db'],
      ['KAFKA_BROKERS', 'no-port'],
      ['PORT', '70000'],
      ['LOG_LEVEL', 'loud'],
    ])('names %s when its value is bad', (variable, value) => {
      expect(() => load({ ...valid, [variable]: value })).toThrow(new RegExp(`^Invalid configuration:\\n  - ${variable}:`));
    });

    it('parses a valid environment into typed settings', () => {
      const config = load({ ...valid, KAFKA_BROKERS: 'a:9092, b:9093', PORT: '8080' });
      expect(config.KAFKA_BROKERS).toEqual(['a:9092', 'b:9093']);
      expect(config.PORT).toBe(8080);
    });
  });
}
