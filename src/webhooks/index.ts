export {
  webhookRecorder,
  newEventId,
  WEBHOOK_EVENT_TYPES,
  type WebhookRecorder,
  type WebhookEventType,
  type WebhookPayload,
} from './events.ts';
export {
  startWebhookDelivery,
  retryDelayMs,
  DEFAULT_TIMING,
  type DeliveryContext,
  type DeliveryTiming,
  type WebhookDelivery,
} from './delivery.ts';
export { signedHeaders, secretKey } from './sign.ts';
