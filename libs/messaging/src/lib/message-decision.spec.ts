import fc from 'fast-check';
import { z } from 'zod';
import { CLOUD_EVENTS_SPEC_VERSION, decideMessage, MESSAGE_MAX_BYTES, type MessagePolicy } from './message-decision';

const schema = z.object({ id: z.uuid(), event: z.enum(['asset.created', 'asset.deleted']), n: z.number().int() });
type Valid = z.infer<typeof schema>;

const validMessage: fc.Arbitrary<Valid> = fc.record({ id: fc.uuid({ version: 4 }), event: fc.constantFrom('asset.created' as const, 'asset.deleted' as const), n: fc.integer() });
const onInvalid = fc.constantFrom('skip' as const, 'dead_letter' as const);
/** Header sets a producer might send, including none at all and unrelated ones; never another spec version. */
const harmlessHeaders = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).filter((name) => name !== 'ce_specversion'),
  fc.string({ maxLength: 40 }),
  { maxKeys: 5 },
);
const policyOf = (action: 'skip' | 'dead_letter', maxBytes?: number): MessagePolicy<typeof schema> => ({ schema, onInvalid: action, ...(maxBytes !== undefined && { maxBytes }) });

describe('decideMessage', () => {
  it('handles every valid message with any harmless headers (or none), and hands over the exact text', () => {
    fc.assert(
      fc.property(validMessage, harmlessHeaders, fc.boolean(), onInvalid, (data, headers, withVersion, action) => {
        const body = JSON.stringify(data);
        const decision = decideMessage({ value: Buffer.from(body), headers: withVersion ? { ...headers, ce_specversion: CLOUD_EVENTS_SPEC_VERSION } : headers }, policyOf(action));
        expect(decision).toEqual({ action: 'handle', data, body });
      }),
    );
  });

  it('never throws, and refuses with the policy’s action and a reason, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }), fc.dictionary(fc.string({ maxLength: 16 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }), onInvalid, (bytes, headers, action) => {
        const decision = decideMessage({ value: bytes === null ? null : Buffer.from(bytes), headers }, policyOf(action));
        if (decision.action === 'handle') {
          // Random bytes can only pass by being a valid message.
          expect(schema.safeParse(JSON.parse(decision.body)).success).toBe(true);
        } else {
          expect(decision.action).toBe(action);
          expect(decision.reason.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('refuses any JSON that is not the contract (other shapes, unknown event types, a later schema) as breaking it', () => {
    const notTheContract = fc.oneof(
      fc.jsonValue().filter((value) => !schema.safeParse(value).success),
      validMessage.chain((data) => fc.record({ ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, fc.constant(v)])), event: fc.string().filter((e) => e !== 'asset.created' && e !== 'asset.deleted') })),
      validMessage.map((data) => ({ schema_version: 2, data })),
    );
    fc.assert(
      fc.property(notTheContract, onInvalid, (value, action) => {
        const decision = decideMessage({ value: Buffer.from(JSON.stringify(value) ?? 'null'), headers: {} }, policyOf(action));
        expect(decision).toMatchObject({ action, kind: 'breaks_contract' });
      }),
    );
  });

  it('refuses text that is not JSON as such', () => {
    const notJson = fc.string({ minLength: 1 }).filter((text) => {
      try {
        JSON.parse(text);
        return false;
      } catch {
        return true;
      }
    });
    fc.assert(fc.property(notJson, onInvalid, (text, action) => expect(decideMessage({ value: Buffer.from(text), headers: {} }, policyOf(action))).toMatchObject({ action, kind: 'not_json' })));
  });

  it('refuses a value over the size bound unread, even a valid message padded out', () => {
    fc.assert(
      fc.property(validMessage, fc.integer({ min: 1, max: 4096 }), onInvalid, (data, over, action) => {
        const body = JSON.stringify({ ...data, padding: 'x'.repeat(200) });
        const decision = decideMessage({ value: Buffer.from(body), headers: {} }, policyOf(action, body.length - Math.min(over, body.length)));
        expect(decision).toMatchObject({ action, kind: 'too_large' });
        // At exactly the bound it is read (the padding is not part of the contract and is stripped).
        expect(decideMessage({ value: Buffer.from(body), headers: {} }, policyOf(action, body.length)).action).toBe('handle');
      }),
    );
    expect(decideMessage({ value: Buffer.alloc(MESSAGE_MAX_BYTES + 1, 0x20), headers: {} }, policyOf('skip'))).toMatchObject({ kind: 'too_large' });
  });

  it('refuses a message that announces another CloudEvents version', () => {
    fc.assert(
      fc.property(validMessage, fc.string({ maxLength: 8 }).filter((v) => v !== CLOUD_EVENTS_SPEC_VERSION), onInvalid, (data, version, action) => {
        expect(decideMessage({ value: Buffer.from(JSON.stringify(data)), headers: { ce_specversion: version } }, policyOf(action))).toMatchObject({ action, kind: 'unsupported_version' });
      }),
    );
  });

  it('refuses a message without a value', () => {
    expect(decideMessage({ value: null, headers: {} }, policyOf('dead_letter'))).toEqual({ action: 'dead_letter', kind: 'no_value', reason: 'the message has no value' });
  });

  it('decides the same way every time: a poison message repeated is refused every time', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), onInvalid, (bytes, action) => {
        const message = { value: Buffer.from(bytes), headers: {} };
        const first = decideMessage(message, policyOf(action));
        for (let i = 0; i < 3; i += 1) expect(decideMessage(message, policyOf(action))).toEqual(first);
      }),
    );
  });
});
