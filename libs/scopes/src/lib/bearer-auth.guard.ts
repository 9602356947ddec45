import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@media/service-kit';
import type { Request } from 'express';
import { InvalidTokenError, type TokenVerifier } from './access-token';
import { missingScopes, type Principal, type Scope } from './scopes';

export const TOKEN_VERIFIER = Symbol('TOKEN_VERIFIER');
const REQUIRED_SCOPES = Symbol('REQUIRED_SCOPES');

/** Declares what a route needs. A guarded route without it is refused: access is opt-in, never implied. */
export const RequireScopes = (...scopes: [Scope, ...Scope[]]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** The scopes a route handler (or its controller) declared with `RequireScopes`, for checks of the API's documents. */
export function declaredScopes(handler: object, controller: object): Scope[] | undefined {
  return (Reflect.getMetadata(REQUIRED_SCOPES, handler) ?? Reflect.getMetadata(REQUIRED_SCOPES, controller)) as Scope[] | undefined;
}

type AuthenticatedRequest = Request & { principal?: Principal };

/** The verified caller of the current request; only valid behind `BearerAuthGuard`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without BearerAuthGuard');
  return principal;
});

const REALM = 'media-assets';

/** Bearer token → Principal, then the route's scopes (401 vs 403 with RFC 6750 challenges). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const required = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]);
    if (!required) throw new Error(`route ${request.method} ${request.path} is guarded but declares no scopes`);

    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('a bearer token is required');
    let principal: Principal;
    try {
      principal = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized(error.message);
      throw error;
    }
    const missing = missingScopes(principal.scopes, required);
    if (missing.length > 0) {
      const scope = missing.join(' ');
      throw new DomainError(403, 'insufficient_scope', 'Insufficient scope', `this request needs the scope "${scope}"`, { scope }, {
        'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
      });
    }
    request.principal = principal;
    return true;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header ?? '');
  return match?.[1];
}

function unauthorized(detail: string): DomainError {
  // The description is one of our own short phrases or jose's; quotes are dropped so the header stays well-formed.
  const description = detail.replace(/["\\\r\n]/g, '');
  return new DomainError(401, 'invalid_token', 'Invalid or missing token', detail, {}, {
    'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
  });
}
