import { z } from 'zod';
import { parseMessage } from './message-contract';

describe('parseMessage', () => {
  const schema = z.object({ id: z.string().uuid(), n: z.number() });
  const valid = { id: '0b0c0d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e', n: 1 };

  it('returns the data and the exact text read', () => {
    const text = JSON.stringify(valid);
    expect(parseMessage(schema, Buffer.from(text))).toEqual({ ok: true, data: valid, body: text });
  });

  it.each([
    ['no value', null, 'the message has no value'],
    ['not JSON', Buffer.from('{nope'), 'the value is not JSON'],
    ['JSON of another shape', Buffer.from('[]'), '(message): '],
    ['a bad field', Buffer.from(JSON.stringify({ ...valid, id: '42' })), 'id: '],
  ])('refuses %s with a reason', (_, value, reason) => {
    const parsed = parseMessage(schema, value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
