/** Who a claimed delivery belongs to, for fairness. */
export interface ShareKey {
  tenant: string;
  webhook_id: string;
}

/**
 * Per-replica bookkeeping of deliveries on the wire, by tenant and by endpoint (subscription). Claims skip
 * tenants and endpoints at their cap, so endpoints that hang until the timeout hold at most
 * `perTenant` of the replica's slots (and one endpoint at most `perEndpoint`): another tenant's due
 * delivery always finds a free slot as long as fewer than `concurrency / perTenant` tenants are stuck.
 */
export class FairShare {
  private readonly tenants = new Map<string, number>();
  private readonly endpoints = new Map<string, number>();

  constructor(
    private readonly perTenant: number,
    private readonly perEndpoint: number,
  ) {}

  /** Tenants and endpoints that may not get another delivery now. */
  saturated(): { tenants: string[]; webhooks: string[] } {
    return {
      tenants: [...this.tenants].filter(([, count]) => count >= this.perTenant).map(([tenant]) => tenant),
      webhooks: [...this.endpoints].filter(([, count]) => count >= this.perEndpoint).map(([webhook]) => webhook),
    };
  }

  /** Whether this replica would claim nothing more of the tenant now. */
  tenantSaturated(tenant: string): boolean {
    return (this.tenants.get(tenant) ?? 0) >= this.perTenant;
  }

  acquire(key: ShareKey): void {
    this.tenants.set(key.tenant, (this.tenants.get(key.tenant) ?? 0) + 1);
    this.endpoints.set(key.webhook_id, (this.endpoints.get(key.webhook_id) ?? 0) + 1);
  }

  release(key: ShareKey): void {
    decrement(this.tenants, key.tenant);
    decrement(this.endpoints, key.webhook_id);
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 0) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
