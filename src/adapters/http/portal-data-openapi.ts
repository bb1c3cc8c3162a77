/** OpenAPI operations of the portal's data routes (portal-data.ts). */
import { json, op, type Operation } from './openapi-kit.js';
import { MyDeposits, MyDepositsQuery, PublicStats } from './portal-data-schemas.js';

const noStore = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const cacheable = { 'Cache-Control': { description: 'public, max-age=60', schema: { type: 'string' } } };

export function portalDataOperations(): Operation[] {
  return [
    op({
      method: 'get',
      path: '/v1/accounts/me/deposits',
      operationId: 'listMyDeposits',
      tag: 'Deposits',
      security: 'bearer',
      summary: "The caller's own deposits, newest first, paged; `q` searches title, description, fileName or the SHA-256 prefix",
      description:
        'Pages follow `next` (send it as `after`). With `q`, at most 5,000 deposits are examined per request: a page may then hold fewer than `limit` deposits, or none, and still carry `next`.',
      query: MyDepositsQuery,
      responses: { 200: json(MyDeposits, 'OK', noStore) },
    }),
    op({
      method: 'get',
      path: '/v1/stats/public',
      operationId: 'getPublicStats',
      tag: 'Service',
      security: 'public',
      summary: 'Public statistics: deposits (total and per day, last 90 days), applications, approved registrations, organisations, and the targets',
      responses: { 200: json(PublicStats, 'OK', cacheable) },
    }),
  ];
}
