import { type DynamicModule, Module } from '@nestjs/common';
import { BearerAuthGuard, TOKEN_VERIFIER, TokenVerifier } from '@media/scopes';
import type { IngestApiConfig } from '../ingest-api.config';

/** Token verification from configuration: an HS256 secret or an identity provider's JWKS. */
@Module({})
export class AuthModule {
  static register(config: IngestApiConfig): DynamicModule {
    const verifier = new TokenVerifier({
      hs256Secret: config.JWT_HS256_SECRET,
      jwksUrl: config.JWT_JWKS_URL,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      tenantClaim: config.JWT_TENANT_CLAIM,
      maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS,
      cache: { maxAgeSeconds: config.JWT_VERIFIED_CACHE_SECONDS },
    });
    return {
      module: AuthModule,
      global: true,
      providers: [{ provide: TOKEN_VERIFIER, useValue: verifier }, BearerAuthGuard],
      exports: [TOKEN_VERIFIER, BearerAuthGuard],
    };
  }
}
