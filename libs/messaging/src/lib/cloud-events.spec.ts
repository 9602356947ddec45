import { cloudEventHeaders, newTraceparent, readHeaders } from './cloud-events';

describe('CloudEvents binary-mode headers', () => {
  it('carries id, type, source, time, content type and a trace context', () => {
    const headers = cloudEventHeaders({ id: 'e-1', type: 'asset.created', source: '/media-assets/ingest-api', time: new Date('2026-11-25T10:00:00Z') });
    expect(headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: 'e-1',
      ce_type: 'asset.created',
      ce_source: '/media-assets/ingest-api',
      ce_time: '2026-11-25T10:00:00.000Z',
      'content-type': 'application/json',
    });
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('keeps the trace context of the request that caused the event', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(cloudEventHeaders({ id: 'e', type: 't', source: 's', time: new Date(), traceparent }).traceparent).toBe(traceparent);
  });

  it('makes a new trace id every time', () => {
    expect(newTraceparent()).not.toBe(newTraceparent());
  });

  it('reads Kafka header values as strings', () => {
    expect(readHeaders({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('z')], d: undefined })).toEqual({ a: 'x', b: 'y', c: 'z' });
  });
});
