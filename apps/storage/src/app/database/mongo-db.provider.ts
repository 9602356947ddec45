import type { FactoryProvider } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection, mongo } from 'mongoose';

/** The native driver database behind the service kit's mongoose connection: GridFS wants the driver, not models. */
export const MONGO_DB = Symbol('MONGO_DB');

export const mongoDbProvider: FactoryProvider<mongo.Db> = {
  provide: MONGO_DB,
  inject: [getConnectionToken()],
  useFactory: (connection: Connection): mongo.Db => {
    // The kit's connection is open before providers that depend on it are built.
    if (!connection.db) throw new Error('the MongoDB connection has no database: is MONGODB_URI missing its database name?');
    return connection.db;
  },
};
