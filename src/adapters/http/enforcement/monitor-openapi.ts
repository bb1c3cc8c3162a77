/** OpenAPI operations of the monitoring routes (monitor.ts, docs/ENFORCEMENT.md). */
import { empty, json, op, type Operation } from '../openapi-kit.js';
import { MonitorBatchId, MonitorBatchRequest, MonitorBatchView, WebhookRequest, WebhookView } from './monitor-schemas.js';

export function monitorOperations(): Operation[] {
  return [
    op({
      method: 'put',
      path: '/v1/monitor/webhook',
      operationId: 'setMonitorWebhook',
      tag: 'Monitoring',
      security: 'bearer',
      summary: 'Set my webhook URL; answers a new HMAC secret (shown once). Deliveries carry X-CL-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>',
      body: WebhookRequest,
      responses: { 200: json(WebhookView) },
      errors: { 400: 'Bad body, or a URL the SSRF rules refuse (code invalid_request, reason webhook_url_refused)' },
    }),
    op({ method: 'get', path: '/v1/monitor/webhook', operationId: 'getMonitorWebhook', tag: 'Monitoring', security: 'bearer', summary: 'My webhook URL (not its secret)', responses: { 200: json(WebhookView) }, errors: [404] }),
    op({ method: 'delete', path: '/v1/monitor/webhook', operationId: 'deleteMonitorWebhook', tag: 'Monitoring', security: 'bearer', summary: 'Remove my webhook', responses: { 204: empty('Removed') } }),
    op({
      method: 'post',
      path: '/v1/monitor/batch',
      operationId: 'submitMonitorBatch',
      tag: 'Monitoring',
      security: 'bearer',
      summary: 'Submit up to 1,000 items (URL, SHA-256, image hash or text; at most 20 URLs) to match in the background; results go to my webhook',
      body: MonitorBatchRequest,
      responses: { 202: json(MonitorBatchView, 'Queued; follow Location') },
      errors: {
        400: 'Bad items, or more than 20 URL items (code invalid_request, reason too_many_urls)',
        409: 'No webhook is set (code conflict)',
        429: 'MONITOR_PER_ACCOUNT batches of this account are queued or running, or the capture budget is spent (code rate_limited)',
        503: 'MONITOR_QUEUE batches are waiting (code overloaded)',
      },
    }),
    op({
      method: 'get',
      path: '/v1/monitor/batches/{id}',
      operationId: 'getMonitorBatch',
      tag: 'Monitoring',
      security: 'bearer',
      summary: 'A batch: its status, results and webhook delivery attempts',
      params: { id: MonitorBatchId },
      responses: { 200: json(MonitorBatchView) },
      errors: [404],
    }),
  ];
}
