/**
 * Monitoring routes (docs/ENFORCEMENT.md): the account's webhook, batches of up to 1,000 items
 * matched in the background, and a batch's results and delivery status.
 */
import express, { type Request } from 'express';
import type { Accounts } from '../../../app/accounts.js';
import type { MonitorBatch, Monitor } from '../../../app/monitor.js';
import { LogError } from '../../../core/errors.js';
import { authenticate, me, noStore } from '../auth.js';
import { bodies, parseField } from '../request.js';
import { MonitorBatchId, MonitorBatchRequest, WebhookRequest } from './monitor-schemas.js';

export interface MonitorHttpDeps {
  accounts: Accounts;
  monitor: Monitor;
}

export function batchView(b: MonitorBatch) {
  return {
    id: b.id,
    status: b.status,
    createdAt: b.createdAt,
    ...(b.endedAt !== undefined ? { endedAt: b.endedAt } : {}),
    items: b.items.length,
    ...(b.results !== undefined ? { results: b.results } : {}),
    delivery: b.delivery,
  };
}

export function monitorRoutes(deps: MonitorHttpDeps): express.Router {
  const { monitor } = deps;
  const r = express.Router();
  const auth = authenticate(deps.accounts);
  const small = bodies('64kb').body;
  const large = bodies('16mb').body;
  const id = (req: Request) => parseField(MonitorBatchId, req.params.id, 'id');

  r.put('/v1/monitor/webhook', auth, ...small, async (req, res) => {
    const q = parseField(WebhookRequest, req.body);
    noStore(res);
    res.json(await monitor.setWebhook(me(req), q.url));
  });
  r.get('/v1/monitor/webhook', auth, async (req, res) => {
    const hook = await monitor.webhook(me(req).id);
    if (hook === undefined) throw new LogError('not_found', 'no webhook is set: PUT /v1/monitor/webhook');
    res.json({ url: hook.url, createdAt: hook.createdAt });
  });
  r.delete('/v1/monitor/webhook', auth, async (req, res) => {
    await monitor.deleteWebhook(me(req));
    res.status(204).end();
  });
  r.post('/v1/monitor/batch', auth, ...large, async (req, res) => {
    const q = parseField(MonitorBatchRequest, req.body);
    const b = await monitor.submit(me(req), q.items);
    res.status(202).location(`/v1/monitor/batches/${b.id}`).json(batchView(b));
  });
  r.get('/v1/monitor/batches/:id', auth, async (req, res) => {
    res.json(batchView(await monitor.get(id(req), me(req))));
  });
  return r;
}
