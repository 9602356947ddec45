// The request schemas are the public contract's (libs/asset-model), which the gateway documents.
export { createWebhookSchema, deliveryListQuerySchema, updateWebhookSchema } from '@media/asset-model';
export type { CreateWebhookRequest, UpdateWebhookRequest } from '@media/asset-model';
