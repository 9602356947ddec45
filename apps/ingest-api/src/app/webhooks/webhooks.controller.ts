import { applyDecorators, Controller, Delete, Get, Param, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { BearerAuthGuard, CurrentPrincipal, type Principal, RequireScopes } from '@media/scopes';
import { DomainError } from '@media/service-kit';
import type { Request, Response } from 'express';
import { problemOpenApi } from '../http/openapi-schemas';
import { FanoutClient } from '@media/internal-api';

const problems = (...statuses: number[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: 'problem+json', content: { 'application/problem+json': { schema: problemOpenApi } } })));

/**
 * Subscriptions and their delivery log (SPEC §4). Authentication and the tenant are decided here; the
 * fanout service owns the data and answers, and its status and problem documents are relayed as they are.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
@UseGuards(BearerAuthGuard)
@RequireScopes('webhooks')
@problems(400, 401, 403, 404, 409, 415)
export class WebhooksController {
  constructor(private readonly fanout: FanoutClient) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events (`url`, `events`, `description`); the signing secret is returned once' })
  create(@CurrentPrincipal() principal: Principal, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'POST', '', response, jsonBody(request));
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's subscriptions" })
  list(@CurrentPrincipal() principal: Principal, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'GET', '', response);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription (without its secret)' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'GET', `/${encodeURIComponent(id)}`, response);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Change `url`, `events`, `description` or `status` (active re-enables)' })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'PUT', `/${encodeURIComponent(id)}`, response, jsonBody(request));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove a subscription and its delivery log' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'DELETE', `/${encodeURIComponent(id)}`, response);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The delivery log: each delivery with every attempt (time, status code or error, duration); `limit`, `skip`' })
  deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const query = new URLSearchParams();
    for (const name of ['limit', 'skip']) {
      const value = request.query[name];
      if (typeof value === 'string') query.set(name, value);
    }
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return this.relay(principal, 'GET', `/${encodeURIComponent(id)}/deliveries${search}`, response);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @ApiOperation({ summary: 'Send a delivery again now (also an exhausted one)' })
  retry(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('deliveryId') deliveryId: string, @Res() response: Response): Promise<void> {
    return this.relay(principal, 'POST', `/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, response);
  }

  private async relay(principal: Principal, method: string, path: string, response: Response, body?: unknown): Promise<void> {
    const answer = await this.fanout.forward(method, path, { tenant: principal.tenant, actor: principal.subject }, body);
    if (answer.status >= 500) {
      throw new DomainError(503, 'webhooks_unavailable', 'Webhook service unavailable', 'the webhook service failed; try again', {}, { 'Retry-After': '5' });
    }
    response.status(answer.status);
    if (answer.body.length === 0) {
      response.end();
      return;
    }
    response.type(answer.contentType ?? 'application/json').send(answer.body);
  }
}

/** JSON bodies only: anything else is refused here rather than forwarded. */
function jsonBody(request: Request): unknown {
  if (!request.is('application/json')) {
    throw new DomainError(415, 'unsupported_content_type', 'Unsupported content type', 'send application/json');
  }
  return (request.body as unknown) ?? {};
}
