import { FairShare } from './fair-share';

describe('FairShare', () => {
  it('saturates a tenant at its cap, whichever endpoints it uses', () => {
    const share = new FairShare(2, 5);
    share.acquire({ tenant: 'a', webhook_id: 'w1' });
    expect(share.saturated()).toEqual({ tenants: [], webhooks: [] });
    share.acquire({ tenant: 'a', webhook_id: 'w2' });
    expect(share.saturated()).toEqual({ tenants: ['a'], webhooks: [] });
    expect(share.tenantSaturated('a')).toBe(true);
    expect(share.tenantSaturated('b')).toBe(false);
  });

  it('saturates one endpoint at its cap while its tenant still has room', () => {
    const share = new FairShare(4, 1);
    share.acquire({ tenant: 'a', webhook_id: 'w1' });
    expect(share.saturated()).toEqual({ tenants: [], webhooks: ['w1'] });
  });

  it('frees the slot on release and forgets keys that reach zero', () => {
    const share = new FairShare(1, 1);
    const key = { tenant: 'a', webhook_id: 'w1' };
    share.acquire(key);
    share.acquire({ tenant: 'b', webhook_id: 'w2' });
    share.release(key);
    expect(share.saturated()).toEqual({ tenants: ['b'], webhooks: ['w2'] });
    share.release(key);
    expect(share.saturated()).toEqual({ tenants: ['b'], webhooks: ['w2'] });
  });
});
