/** OpenAPI operations of the licence, transfer, pledge and chain-of-title routes (licences.ts, transfers.ts, pledges.ts, chain-of-title.ts). */
import { z } from 'zod';
import { binary, json, op, type Operation, type OpSpec } from './openapi-kit.js';
import * as O from './operation-schemas.js';
import * as V from './operation-views.js';
import { Reason } from './registration-schemas.js';

const view = json(V.OperationView, 'The operation as its parties see it (docs/OPERATION.md)');
const created = (what: string) => ({ ...view, description: `The ${what}`, headers: { Location: { description: `The ${what}`, schema: { type: 'string' } } } });
const cert = {
  description: 'The certificate (attachment): JSON copyright-ledger/operation-certificate@v1, or the signed PDF with Accept: application/pdf',
  content: { ...json(V.OperationCertificate).content, ...binary('application/pdf', '').content },
};
const noBody = { description: 'No body, or {}', schema: z.strictObject({}) };

/** GET list, GET one, POST actions and the certificate of one kind. */
function kindOperations(p: {
  path: string;
  tag: OpSpec['tag'];
  noun: string;
  Noun: string;
  id: z.ZodType;
  actions: { name: string; summary: string; body?: z.ZodType; errors: Record<string, string> }[];
}): Operation[] {
  const e404 = `No such ${p.noun}, or you are not a party to it (code not_found)`;
  return [
    op({
      method: 'get',
      path: `/v1/${p.path}`,
      operationId: `list${p.Noun}s`,
      tag: p.tag,
      security: 'bearer',
      summary: `Your ${p.noun}s (as either party), oldest first`,
      query: O.OperationListQuery,
      responses: { 200: json(V.OperationList, '`next` is given when there may be more: pass it as `after`') },
    }),
    op({
      method: 'get',
      path: `/v1/${p.path}/{id}`,
      operationId: `get${p.Noun}`,
      tag: p.tag,
      security: 'bearer',
      summary: `One ${p.noun} (its parties, admins)`,
      params: { id: p.id },
      responses: { 200: view },
      errors: { 404: e404 },
    }),
    ...p.actions.map((a) =>
      op({
        method: 'post',
        path: `/v1/${p.path}/{id}/${a.name}`,
        operationId: `${a.name}${p.Noun}`,
        tag: p.tag,
        security: 'bearer',
        summary: a.summary,
        params: { id: p.id },
        body: a.body ?? noBody.schema,
        ...(a.body === undefined ? { bodyOptional: true, description: noBody.description } : {}),
        responses: { 200: view },
        errors: { 404: e404, ...a.errors },
      }),
    ),
    op({
      method: 'get',
      path: `/v1/${p.path}/{id}/certificate`,
      operationId: `get${p.Noun}Certificate`,
      tag: p.tag,
      security: 'bearer',
      summary: `The ${p.noun} certificate (parties, admins), verifiable offline with copyright-ledger verify`,
      params: { id: p.id },
      responses: { 200: cert },
      errors: { 404: e404, 409: 'The operation has not taken effect (code conflict)', 415: 'PDF asked for but PDF certificates are off on this server', 503: 'PDF renderers busy or over budget; see Retry-After' },
    }),
  ];
}

export function operationOperations(): Operation[] {
  const e403 = 'You do not hold the rights named (field registrationId or rights.<n>) (code forbidden)';
  return [
    op({
      method: 'post',
      path: '/v1/licences',
      operationId: 'offerLicence',
      tag: 'Licences',
      security: 'bearer',
      summary: 'Offer a licence of rights you hold in an approved registration; to a licensee without an account it is granted at once (contractSha256 required)',
      body: O.CreateLicence,
      responses: { 201: created('licence') },
      errors: { 403: e403, 404: 'No approved registration, or no such licensee account (field names which) (code not_found)', 409: 'An exclusive licence would overlap a licence in force (conflict exclusive_licence_overlap), or the registration is not approved' },
    }),
    op({
      method: 'get',
      path: '/v1/licences/check',
      operationId: 'checkLicence',
      tag: 'Licences',
      security: 'public',
      summary: 'Public: does a licence in force cover this use (work by number or file SHA-256, licensee, right, time, territory)?',
      description: 'Anyone may call it. It answers only `covered` and, when covered, the covering licence’s id, exclusivity, period and territory — never fees, terms, contracts or other licences (docs/OPERATION.md).',
      query: O.LicenceCheckQuery,
      responses: { 200: json(V.LicenceCheck) },
    }),
    ...kindOperations({
      path: 'licences',
      tag: 'Licences',
      noun: 'licence',
      Noun: 'Licence',
      id: O.LicenceId,
      actions: [
        { name: 'accept', summary: 'Accept a licence offered to you (licensee); it is in force from then on', errors: { 403: 'Not the licensee (code forbidden)', 409: 'Not offered, expired, the licensor no longer holds the rights, or an exclusive overlap (conflict exclusive_licence_overlap)' } },
        { name: 'revoke', summary: 'Revoke a licence (holder of every right it grants), with a reason', body: Reason, errors: { 403: 'Not the holder of every right of the licence (code forbidden)', 409: 'Already revoked (code conflict)' } },
      ],
    }),
    op({
      method: 'post',
      path: '/v1/transfers',
      operationId: 'offerTransfer',
      tag: 'Transfers',
      security: 'bearer',
      summary: 'Offer to transfer rights you hold in an approved registration (some, or "all") to another account',
      body: O.CreateTransfer,
      responses: { 201: created('transfer') },
      errors: { 403: e403, 404: 'No approved registration, or no such recipient account (code not_found)', 409: 'The registration is not approved (code conflict)' },
    }),
    ...kindOperations({
      path: 'transfers',
      tag: 'Transfers',
      noun: 'transfer',
      Noun: 'Transfer',
      id: O.TransferId,
      actions: [
        { name: 'accept', summary: 'Accept a transfer to you (recipient): the registry shows you as the holder from then on', errors: { 403: 'Not the recipient (code forbidden)', 409: 'Not offered, the transferor no longer holds the rights, or the work is pledged and a pledgee has not consented (conflict pledge_consent_required)' } },
        { name: 'consent', summary: 'Consent to the transfer of a pledged work (pledgee of a pledge in force)', errors: { 403: 'Not a pledgee of this work (code forbidden)', 409: 'Not offered (code conflict)' } },
        { name: 'cancel', summary: 'Cancel (transferor) or decline (recipient) an offered transfer', errors: { 403: 'Not a party (code forbidden)', 409: 'Not offered (code conflict)' } },
      ],
    }),
    op({
      method: 'post',
      path: '/v1/pledges',
      operationId: 'registerPledge',
      tag: 'Pledges',
      security: 'bearer',
      summary: 'Pledge the rights you hold in an approved registration; in force (and certified) once entered, until the pledgee releases it',
      body: O.CreatePledge,
      responses: { 201: created('pledge') },
      errors: { 403: e403, 404: 'No approved registration, or no such pledgee account (code not_found)', 409: 'The registration is not approved (code conflict)' },
    }),
    ...kindOperations({
      path: 'pledges',
      tag: 'Pledges',
      noun: 'pledge',
      Noun: 'Pledge',
      id: O.PledgeId,
      actions: [{ name: 'release', summary: 'Release a pledge (pledgee; an admin for a pledgee without an account)', errors: { 403: 'Not the pledgee (code forbidden)', 409: 'Already released (code conflict)' } }],
    }),
    op({
      method: 'get',
      path: '/v1/registry/{number}',
      operationId: 'getChainOfTitle',
      tag: 'Registry',
      security: 'public',
      summary: 'Public: a registry entry with its chain of title — current holders, transfers and pledges in order (display names only), licences in force',
      params: { number: O.RegistryNumberParam },
      responses: { 200: json(V.TitleView) },
      errors: { 404: 'No such registration number (code not_found)' },
    }),
  ];
}
