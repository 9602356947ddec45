import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ServiceAuthGuard } from './service-auth.guard';
import type { PrivateServiceKey, TrustedKeys } from './service-key';
import type { ServiceName } from './service-names';
import { ServiceTokenIssuer, ServiceTokenVerifier } from './service-token';

/** Service identity for Nest: callers get a token issuer, callees a guard on every route. */
@Module({})
export class ServiceIdentityModule {
  /** For a service that calls others: `ServiceTokenIssuer` becomes injectable everywhere. */
  static forCaller(options: { service: ServiceName; signingKey: PrivateServiceKey; ttlSeconds: number }): DynamicModule {
    return {
      module: ServiceIdentityModule,
      global: true,
      providers: [{ provide: ServiceTokenIssuer, useValue: new ServiceTokenIssuer(options.service, options.signingKey, options.ttlSeconds) }],
      exports: [ServiceTokenIssuer],
    };
  }

  /** For a service others call: every route needs a token addressed to it, from a caller the route allows. */
  static forCallee(options: { service: ServiceName; trustedKeys: TrustedKeys }): DynamicModule {
    return {
      module: ServiceIdentityModule,
      providers: [
        { provide: ServiceTokenVerifier, useValue: new ServiceTokenVerifier(options.service, options.trustedKeys) },
        { provide: APP_GUARD, useClass: ServiceAuthGuard },
      ],
    };
  }
}
