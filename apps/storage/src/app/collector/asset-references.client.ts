import { ASSET_REFERENCES_PATH, type AssetReferencesRequest, assetReferencesResponseSchema } from '@media/asset-model';

const TIMEOUT_MS = 10_000;

/** Asks ingest-api, the owner of the catalog, which stored ids an asset still references. Throws on any doubt. */
export class AssetReferencesClient {
  constructor(private readonly baseUrl: string) {}

  async referenced(request: AssetReferencesRequest): Promise<string[]> {
    const response = await fetch(new URL(ASSET_REFERENCES_PATH, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status !== 200) throw new Error(`the reference check answered ${response.status}`);
    return assetReferencesResponseSchema.parse(await response.json()).referenced;
  }
}
