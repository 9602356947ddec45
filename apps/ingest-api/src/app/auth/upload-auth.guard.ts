import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { BearerAuthGuard, type DirectUploadTokens, InvalidTokenError, isDirectUploadToken, type Principal } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request } from 'express';
import { DIRECT_UPLOAD_TOKENS } from './direct-upload-tokens.provider';

type AuthenticatedRequest = Request & { principal?: Principal };

/**
 * The upload routes (tus, and the seed protocol's transfer/finish/progress) take either an API token with
 * the route's scope (checked by `BearerAuthGuard`), or a direct-upload token, which is good for the one
 * asset it names: its `:id` must be that asset, and a creation without `:id` creates exactly that asset.
 * Every other route keeps `BearerAuthGuard` alone, where a direct-upload token does not verify at all.
 */
@Injectable()
export class UploadAuthGuard implements CanActivate {
  constructor(
    private readonly bearer: BearerAuthGuard,
    @Inject(DIRECT_UPLOAD_TOKENS) private readonly directUploads: DirectUploadTokens | null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !isDirectUploadToken(token)) return this.bearer.canActivate(context);
    if (!this.directUploads) throw invalidToken('direct uploads are not configured');
    let principal;
    try {
      principal = await this.directUploads.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw invalidToken(error.message);
      throw error;
    }
    const id = request.params['id'];
    if (id !== undefined && id !== principal.directUpload.assetId) {
      throw new DomainError(403, 'direct_upload_other_asset', 'Not this upload', 'a direct-upload token works only for the upload of its own asset');
    }
    request.principal = principal;
    return true;
  }
}

function invalidToken(detail: string): DomainError {
  const description = detail.replace(/["\\\r\n]/g, '');
  return new DomainError(401, 'invalid_token', 'Invalid or missing token', detail, {}, {
    'WWW-Authenticate': `Bearer realm="media-assets", error="invalid_token", error_description="${description}"`,
  });
}
