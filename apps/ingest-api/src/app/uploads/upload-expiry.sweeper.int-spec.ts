import mongoose from 'mongoose';
import { startTcpRelay, type TcpRelay } from '@media/testing';
import { AssetRepository } from '../assets/asset.repository';
import { ASSET_MODEL, assetSchema } from '../assets/asset.schema';
import { ServedFilesRepository } from '../assets/served-files.repository';
import type { IngestApiConfig } from '../ingest-api.config';
import { OutboxSignal } from '../outbox/outbox.signal';
import { UploadExpirySweeper } from './upload-expiry.sweeper';
import { UploadTransitions } from './upload-transitions';

/**
 * A sweep whose database goes away (a restart) must not end the process: the chaos run lost a gateway
 * replica to exactly this unhandled rejection. The connection runs through a TCP relay to the suite's
 * database; cutting the relay is the restart, as the driver sees one.
 */
describe('the upload expiry sweeper while the database restarts', () => {
  let relay: TcpRelay;
  let connection: mongoose.Connection;

  beforeAll(async () => {
    const database = new URL(process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27017');
    database.pathname = `/sweeper-${Date.now()}`;
    relay = await startTcpRelay(database.toString());
    connection = await mongoose.createConnection(relay.uri, { serverSelectionTimeoutMS: 500 }).asPromise();
    connection.on('error', () => undefined);
  });

  afterAll(async () => {
    await connection.close(true).catch(() => undefined);
    await relay.close();
  });

  it('logs the failed pass and resolves, so the next tick tries again', async () => {
    const config = { OUTBOX_MAX_PENDING_EVENTS: 1000, UPLOAD_EXPIRY_SWEEP_SECONDS: 60 } as IngestApiConfig;
    const assets = new AssetRepository(connection.model(ASSET_MODEL, assetSchema), new OutboxSignal(), new ServedFilesRepository(connection), config);
    const sweeper = new UploadExpirySweeper(assets, new UploadTransitions(assets, config), config);
    await expect(sweeper.sweep()).resolves.toBe(0);

    relay.cut();
    // The pass itself fails with the driver's error…
    await expect(sweeper.sweep()).rejects.toThrow(/Server selection|connection|closed|ECONNREFUSED/i);
    // …and a timer tick absorbs it: resolved, nothing left unhandled, and a later tick runs a new pass.
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      await expect(sweeper.tick()).resolves.toBeUndefined();
      await expect(sweeper.tick()).resolves.toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', record);
    }
    expect(unhandled).toEqual([]);
  });
});
