import { DEAD_LETTER_HEADERS, deadLetterHeadersSchema, TOPICS } from '@media/asset-model';
import { deadLetterMessage, deadLetterTopicOf } from './dead-letter';
import { readHeaders } from './cloud-events';

describe('deadLetterTopicOf', () => {
  it('takes the dead-letter topic from the contract', () => {
    expect(deadLetterTopicOf(TOPICS.assetEvents)).toBe(TOPICS.assetEventsDeadLetter);
  });

  it('refuses a topic the contract gives none', () => {
    expect(() => deadLetterTopicOf(TOPICS.processingResults)).toThrow(/no dead-letter topic/);
  });
});

describe('deadLetterMessage', () => {
  const original = { key: Buffer.from('asset-1'), value: Buffer.from('{nope'), headers: { ce_id: 'e1', traceparent: Buffer.from('00-x') }, offset: '42' };

  it('keeps key, value and headers and adds where it came from and why', () => {
    const letter = deadLetterMessage({ topic: TOPICS.assetEvents, partition: 3, group: 'fanout', message: original }, 'the value is not JSON');
    expect(letter.key).toBe(original.key);
    expect(letter.value).toBe(original.value);
    expect(readHeaders(letter.headers)).toEqual({
      ce_id: 'e1',
      traceparent: '00-x',
      [DEAD_LETTER_HEADERS.reason]: 'the value is not JSON',
      [DEAD_LETTER_HEADERS.sourceTopic]: TOPICS.assetEvents,
      [DEAD_LETTER_HEADERS.sourcePartition]: '3',
      [DEAD_LETTER_HEADERS.sourceOffset]: '42',
      [DEAD_LETTER_HEADERS.consumerGroup]: 'fanout',
    });
  });

  it('writes headers the dead-letter contract accepts', () => {
    const letter = deadLetterMessage({ topic: TOPICS.assetEvents, partition: 0, group: 'fanout', message: { ...original, headers: {} } }, 'why');
    expect(deadLetterHeadersSchema.safeParse(readHeaders(letter.headers)).success).toBe(true);
  });
});
