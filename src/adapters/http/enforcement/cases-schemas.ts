/** Zod schemas of the case routes (cases.ts); OpenAPI entries in cases-openapi.ts. */
import { z } from 'zod';
import { PageAfter, pageLimit } from '../schemas.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Text the case's log entries commit to by its canonical JSON: well-formed Unicode only. */
const Text = (max: number) => z.string().min(1).max(max).refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode (no lone surrogate)');

export const CaseId = z.string().regex(/^case_[0-9a-f]{20}$/, 'a case id: case_ and 20 hex digits').meta({ description: 'Case id' });
const State = z.enum(['open', 'evidence_collected', 'notice_sent', 'settled', 'litigation', 'closed']);

export const RightsHolderContact = z
  .strictObject({
    name: Text(200).optional(),
    contact: Text(200).optional().meta({ description: 'Telephone or e-mail for the notice' }),
    address: Text(500).optional(),
  })
  .meta({ id: 'RightsHolderContact', description: 'Printed in the takedown notice (Art. 14: name, contact, address); private, never in the log' });

export const CreateCase = z
  .strictObject({
    depositId: z.string().regex(/^dep_[0-9a-f]{20}$/, 'a deposit id').optional(),
    registrationId: z.string().regex(/^reg_[0-9a-f]{20}$/, 'a registration id').optional(),
    infringingUrl: Text(2048).meta({ description: 'The page with the copy: captured when the case opens (capture SSRF rules apply)' }),
    description: Text(5000),
    rightsHolder: RightsHolderContact.optional(),
  })
  .refine((v) => (v.depositId === undefined) !== (v.registrationId === undefined), { message: 'give exactly one of depositId, registrationId', path: ['depositId'] })
  .meta({ id: 'CreateCase' });

export const CaseTransition = z
  .strictObject({ state: z.enum(['notice_sent', 'settled', 'litigation', 'closed']), note: Text(5000).optional() })
  .meta({ id: 'CaseTransition', description: 'evidence_collected is reached by the capture, not set by hand' });

export const NoticeQuery = z.object({
  kind: z.enum(['cn', 'dmca']).default('cn').meta({ description: 'cn: 通知书 (Art. 14); dmca: 17 U.S.C. 512(c)(3)' }),
  to: z.string().min(1).max(200).optional().meta({ description: 'The platform the notice is addressed to' }),
});

export const CaseView = z
  .object({
    id: z.string(),
    state: State,
    createdAt: z.string(),
    updatedAt: z.string(),
    work: z.object({ depositId: z.string().optional(), registrationId: z.string().optional() }),
    infringingUrl: z.string(),
    description: z.string(),
    rightsHolder: RightsHolderContact.optional(),
    captureId: z.string().optional(),
    captureError: z.string().optional().meta({ description: 'Why the capture failed; POST /v1/cases/{id}/recapture tries again' }),
    history: z.array(z.object({ seq: z.number().int(), action: z.string(), state: State, at: z.string(), account: z.string(), index: z.number().int().meta({ description: 'The `case` log entry' }), caseSha256: z.string() })),
    packageUrl: z.string(),
  })
  .meta({ id: 'Case' });

export const CaseList = z
  .object({ cases: z.array(CaseView), next: z.string().optional().meta({ description: 'Given when there may be more: pass it as `after`' }) })
  .meta({ id: 'CaseList' });

export const CaseListQuery = z.strictObject({ after: PageAfter, limit: pageLimit(20) });
