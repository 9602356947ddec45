import { type DynamicModule, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ServiceIdentityModule } from '@media/service-identity';
import { ServiceKitModule } from '@media/service-kit';
import { AssetEventsConsumer } from './deliveries/asset-events.consumer';
import { DeliveryPlanner } from './deliveries/delivery.planner';
import { DeliveryRepository } from './deliveries/delivery.repository';
import { DeliveryRetention } from './deliveries/delivery.retention';
import { DeliveryWorker } from './deliveries/delivery.worker';
import { SENDER_OPTIONS, type SenderOptions, WebhookSender } from './deliveries/webhook.sender';
import type { FanoutConfig } from './fanout.config';
import { FANOUT_CONFIG } from './fanout-config.token';
import { InternalWebhooksController } from './webhooks/internal-webhooks.controller';
import { parseAllowList } from './webhooks/webhook-url.policy';
import { DELIVERY_MODEL, deliverySchema, ENDPOINT_HEAD_MODEL, endpointHeadSchema, WEBHOOK_MODEL, webhookSchema } from './webhooks/webhook.schema';
import { WebhookRepository } from './webhooks/webhook.repository';
import { WebhooksService } from './webhooks/webhooks.service';

@Module({})
export class AppModule {
  static register(config: FanoutConfig): DynamicModule {
    const senderOptions: SenderOptions = {
      allowList: parseAllowList(config.WEBHOOK_ALLOWED_CIDRS),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES,
    };
    return {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ service: 'fanout', config }),
        ServiceIdentityModule.forCallee({ service: 'fanout', trustedKeys: config.SERVICE_TRUSTED_KEYS }),
        MongooseModule.forFeature([
          { name: WEBHOOK_MODEL, schema: webhookSchema },
          { name: DELIVERY_MODEL, schema: deliverySchema },
          { name: ENDPOINT_HEAD_MODEL, schema: endpointHeadSchema },
        ]),
      ],
      controllers: [InternalWebhooksController],
      providers: [
        { provide: FANOUT_CONFIG, useValue: config },
        { provide: SENDER_OPTIONS, useValue: senderOptions },
        WebhookRepository,
        DeliveryRepository,
        WebhookSender,
        DeliveryWorker,
        DeliveryRetention,
        DeliveryPlanner,
        AssetEventsConsumer,
        WebhooksService,
      ],
    };
  }
}
