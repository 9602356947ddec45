import { randomUUID } from 'node:crypto';
import { getModelToken } from '@nestjs/mongoose';
import { bootService, gatewayIntegrationEnv, type RunningService } from '@media/testing';
import { mongo, type Model } from 'mongoose';
import { AppModule } from '../app.module';
import { loadIngestApiConfig } from '../ingest-api.config';
import { INGEST_CONFIG } from '../ingest-config.token';
import { OutboxSignal } from '../outbox/outbox.signal';
import { emptyAsset } from './asset-factory';
import type { AssetRecord, StoredFile, TenantId } from './asset.record';
import { AssetRepository, type EventContext } from './asset.repository';
import { ASSET_MODEL } from './asset.schema';
import { ServedFilesRepository } from './served-files.repository';

/**
 * `/cdn` resolves a public file id through `served_files` (one `_id` read) and then checks the asset by
 * `_id`. It must answer exactly what the `{'files.id': …, deleted_on: null}` query answered: the file of a
 * live asset that lists it, and nothing for a deleted asset, a replaced file or an unknown id.
 */
describe('ingest-api: the /cdn file lookup', () => {
  const env = gatewayIntegrationEnv('ingest-served-files', { KAFKA_BROKERS: '127.0.0.1:9' });
  const context: EventContext = { performedBy: 'int-spec', render: () => ({}) };
  let running: RunningService;
  let client: mongo.MongoClient;
  let assets: AssetRepository;

  beforeAll(async () => {
    running = await bootService(AppModule.register(loadIngestApiConfig(env)));
    client = await new mongo.MongoClient(env['MONGODB_URI'] ?? '').connect();
    assets = running.app.get(AssetRepository);
    // The start-up backfill of an empty catalog only writes its marker; wait for it so the tests see its end state.
    await assets.backfillServedFiles();
  });

  afterAll(async () => {
    await running?.close();
    await client?.close();
  });

  const tenantA = `a-${randomUUID()}` as TenantId;
  const tenantB = `b-${randomUUID()}` as TenantId;

  function storedFile(name: string): StoredFile {
    return { id: randomUUID(), storage_file_id: randomUUID().replace(/-/g, ''), role: 'original', file: name, mime_type: 'image/png', size: 10, created_on: new Date() };
  }

  async function assetWith(tenant: TenantId, files: StoredFile[]): Promise<AssetRecord> {
    return assets.insert({ ...emptyAsset(randomUUID(), tenant, new Date()), status: 'processing', files }, [], context);
  }

  /** What /cdn serves for a file id: the file as its live asset lists it, with the tenant storage is asked as. */
  async function served(fileId: string): Promise<{ file: StoredFile; tenant: string; assetId: string } | null> {
    const entry = await assets.locateServedFile(fileId);
    const file = entry && (await assets.servedFileOf(entry));
    return entry && file ? { file, tenant: entry.tenant, assetId: entry.asset_id } : null;
  }

  it('finds a file of a live asset, with its own tenant, whichever of its files it is', async () => {
    const [original, thumbnail] = [storedFile('a.png'), storedFile('thumb.png')];
    const asset = await assetWith(tenantA, [original]);
    // Files added later (processing results) are found too.
    const changed = await assets.compareAndSet(asset, { files: [original, thumbnail] }, [], context);
    expect(changed).not.toBeNull();
    expect(await served(original.id)).toEqual({ file: original, tenant: tenantA, assetId: asset._id });
    expect(await served(thumbnail.id)).toEqual({ file: thumbnail, tenant: tenantA, assetId: asset._id });
  });

  it("keeps tenants apart: each file leads to its own tenant's asset", async () => {
    const [ofA, ofB] = [storedFile('a.png'), storedFile('b.png')];
    const assetA = await assetWith(tenantA, [ofA]);
    const assetB = await assetWith(tenantB, [ofB]);
    expect(await served(ofA.id)).toMatchObject({ tenant: tenantA, assetId: assetA._id });
    expect(await served(ofB.id)).toMatchObject({ tenant: tenantB, assetId: assetB._id });
    // An entry is only ever inserted: writing B's asset id over A's file id changes nothing.
    await running.app.get(ServedFilesRepository).record([{ _id: ofA.id, asset_id: assetB._id, tenant: tenantB, storage_file_id: ofB.storage_file_id, mime_type: 'image/png' }]);
    expect(await served(ofA.id)).toMatchObject({ tenant: tenantA, assetId: assetA._id });
    // And an entry that leads to an asset not listing the file serves nothing.
    expect(await assets.servedFileOf({ _id: ofA.id, asset_id: assetB._id, tenant: tenantB, storage_file_id: ofA.storage_file_id, mime_type: 'image/png' })).toBeNull();
  });

  it('serves nothing of a deleted asset', async () => {
    const file = storedFile('gone.png');
    const asset = await assetWith(tenantA, [file]);
    expect(await served(file.id)).not.toBeNull();
    expect(await assets.compareAndSet(asset, { deleted_on: new Date() }, [], context)).not.toBeNull();
    expect(await served(file.id)).toBeNull();
  });

  it('serves the replacement of a replaced file, and nothing under the old id', async () => {
    const [before, after] = [storedFile('v1.png'), storedFile('v2.png')];
    const asset = await assetWith(tenantA, [before]);
    expect(await assets.compareAndSet(asset, { files: [after] }, [], context)).not.toBeNull();
    expect(await served(before.id)).toBeNull();
    expect(await served(after.id)).toMatchObject({ file: after, tenant: tenantA });
  });

  it('answers a file seen before from memory, and still asks the asset whether it is served', async () => {
    const file = storedFile('kept.png');
    const asset = await assetWith(tenantA, [file]);
    expect(await served(file.id)).not.toBeNull();
    // The entry is gone from the database (it never is in practice): the replica still knows where the id leads.
    await client.db().collection<{ _id: string }>('served_files').deleteOne({ _id: file.id });
    expect(await assets.locateServedFile(file.id)).toMatchObject({ asset_id: asset._id, tenant: tenantA, storage_file_id: file.storage_file_id });
    // What is kept never says the file is still served: a deletion is seen at once.
    expect(await assets.compareAndSet(asset, { deleted_on: new Date() }, [], context)).not.toBeNull();
    expect(await served(file.id)).toBeNull();
  });

  it('finds nothing for an unknown id', async () => {
    expect(await assets.locateServedFile(randomUUID())).toBeNull();
  });

  it('finds files of assets written without an entry (before the index, or by an older replica) the slow way, and by _id after the backfill', async () => {
    const file = storedFile('legacy.png');
    const legacy: AssetRecord = { ...emptyAsset(randomUUID(), tenantB, new Date()), status: 'ready', files: [file], version: 1, pending_events: [] };
    const db = client.db();
    // Written as the code before the index wrote it: the asset alone, and a catalog not yet backfilled.
    await db.collection<AssetRecord>('assets').insertOne(legacy);
    const deletedLegacy = storedFile('deleted-legacy.png');
    await db.collection<AssetRecord>('assets').insertOne({ ...legacy, _id: randomUUID(), files: [deletedLegacy], deleted_on: new Date() });
    const entries = db.collection<{ _id: string }>('served_files');
    await entries.deleteOne({ _id: '~backfilled-v1' });

    // A replica started before the backfill's end (a new repository over the same database).
    const starting = new AssetRepository(
      running.app.get<Model<AssetRecord>>(getModelToken(ASSET_MODEL)),
      running.app.get(OutboxSignal),
      running.app.get(ServedFilesRepository),
      running.app.get(INGEST_CONFIG),
    );
    expect(await entries.findOne({ _id: file.id })).toBeNull();
    expect(await starting.locateServedFile(file.id)).toMatchObject({ asset_id: legacy._id, tenant: tenantB, storage_file_id: file.storage_file_id });
    expect(await starting.locateServedFile(deletedLegacy.id)).toBeNull();

    await starting.backfillServedFiles();
    expect(await entries.findOne({ _id: file.id })).toMatchObject({ asset_id: legacy._id, tenant: tenantB });
    // Deleted assets get no entries: their files are not served.
    expect(await entries.findOne({ _id: deletedLegacy.id })).toBeNull();
    const entry = await starting.locateServedFile(file.id);
    expect(entry && (await starting.servedFileOf(entry))).toEqual(file);
    // After the backfill, a replica of the previous release (a rolling deploy) still writes assets alone:
    // their files are found the old way, and an id nobody lists is still unknown.
    const lateLegacy = storedFile('late-legacy.png');
    const late = { ...legacy, _id: randomUUID(), files: [lateLegacy] };
    await db.collection<AssetRecord>('assets').insertOne(late);
    expect(await starting.locateServedFile(lateLegacy.id)).toMatchObject({ asset_id: late._id, storage_file_id: lateLegacy.storage_file_id });
    expect(await starting.locateServedFile(randomUUID())).toBeNull();
  });
});
