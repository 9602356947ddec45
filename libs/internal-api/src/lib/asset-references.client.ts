import type { ServiceTokenIssuer } from '@media/service-identity';
import { ASSET_REFERENCES_PATH, type AssetReferencesRequest, assetReferencesResponseSchema, INGEST_API_AUDIENCE } from './ingest-api-internal.contract';

const TIMEOUT_MS = 10_000;

/**
 * Asks ingest-api, the owner of the catalog, which stored ids an asset still references (storage's garbage
 * collector). Throws on any doubt, including a refused service token: no answer must never mean "delete".
 */
export class AssetReferencesClient {
  constructor(
    private readonly baseUrl: string,
    private readonly identity: ServiceTokenIssuer,
  ) {}

  async referenced(request: AssetReferencesRequest): Promise<string[]> {
    const response = await fetch(new URL(ASSET_REFERENCES_PATH, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await this.identity.authorization(INGEST_API_AUDIENCE) },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status !== 200) throw new Error(`the reference check answered ${response.status}`);
    return assetReferencesResponseSchema.parse(await response.json()).referenced;
  }
}
