import { type CanActivate, createParamDecorator, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '@media/service-kit';
import type { Request } from 'express';
import type { ServiceName } from './service-names';
import { InvalidServiceTokenError, ServiceTokenVerifier } from './service-token';

const ALLOWED_CALLERS = Symbol('ALLOWED_CALLERS');

/**
 * The services that may call a route (or every route of a controller). Required on every route of a
 * guarded service: a route that forgets it fails closed, it is never open by omission.
 */
export const AllowCallers = (...callers: [ServiceName, ...ServiceName[]]) => SetMetadata(ALLOWED_CALLERS, callers);

/** Probes and scrapes come from the platform, which holds no service key; they reveal no tenant data. */
const OPEN_PATHS = /^\/(health\/(live|ready)|metrics)$/;

type CalledRequest = Request & { caller?: ServiceName };

/** The authenticated calling service of the current request. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): ServiceName => {
  const caller = context.switchToHttp().getRequest<CalledRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used outside ServiceAuthGuard');
  return caller;
});

/** Every call to an internal service: a valid service token addressed to it (401), from an allowed caller (403). */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ServiceTokenVerifier) private readonly verifier: ServiceTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<CalledRequest>();
    if (OPEN_PATHS.test(request.path)) return true;
    const allowed = this.reflector.getAllAndOverride<ServiceName[] | undefined>(ALLOWED_CALLERS, [context.getHandler(), context.getClass()]);
    if (!allowed) throw new Error(`route ${request.method} ${request.path} declares no allowed callers`);
    const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw unauthenticated('a service token is required (Authorization: Bearer)');
    let caller: ServiceName;
    try {
      caller = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidServiceTokenError) throw unauthenticated(error.message);
      throw error;
    }
    if (!allowed.includes(caller)) {
      throw new DomainError(403, 'caller_not_allowed', 'Caller not allowed', `${caller} may not call ${request.method} on this route`);
    }
    request.caller = caller;
    return true;
  }
}

function unauthenticated(detail: string): DomainError {
  const description = detail.replace(/["\\\r\n]/g, '');
  return new DomainError(401, 'invalid_service_token', 'Invalid or missing service token', detail, {}, {
    'WWW-Authenticate': `Bearer realm="internal", error="invalid_token", error_description="${description}"`,
  });
}
