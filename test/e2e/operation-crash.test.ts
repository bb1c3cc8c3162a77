/**
 * An operation's entry and its state change are one atomic batch: a SIGKILL just before the
 * batch is written leaves neither (the licence is still offered, nothing counts it, the log did
 * not grow); a SIGKILL just after it leaves both (the transfer is complete and the registry shows
 * the new holder). The kills land on the commit itself (TEST_HALT_AT_COMMIT, docs/TESTING.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAllServers, killAtCommitHalt, makeTempDir, removeAllTempDirs, runCli, startServer, type ServerProc } from '../support/proc.js';
import { account, api, deposit, submitted, type Actor } from '../support/registration.js';

const ADMIN_API_KEY = 'admin-key-for-operation-crash-tests';

afterAll(async () => {
  await killAllServers();
  await removeAllTempDirs();
});

describe('operation across a SIGKILL at its commit', () => {
  it('before the write nothing of the acceptance exists; after it, all of the transfer does', async () => {
    const data = await makeTempDir('cl-op-crash-');
    const env = { ADMIN_API_KEY };
    let server: ServerProc = await startServer({ dataDir: data.path, env });
    const url0 = server.url;
    const reviewer = await account(url0, ADMIN_API_KEY, { role: 'reviewer' });
    const holder = await account(url0, ADMIN_API_KEY, { name: 'Li Lei' });
    const platform = await account(url0, ADMIN_API_KEY, { name: 'Video Platform', kind: 'organisation' });
    const buyer: Actor = await account(url0, ADMIN_API_KEY, { name: 'Han Meimei' });
    const reg = await submitted(url0, holder.key, [await deposit(url0, holder.key)]);
    const { number } = (await api(url0, 'POST', `/v1/registrations/${reg}/approve`, { key: reviewer.key })).body as { number: string };
    const lic = await api(url0, 'POST', '/v1/licences', { key: holder.key, body: { registrationId: reg, licensee: { account: platform.id }, rights: ['reproduction'], exclusive: true, validFrom: '2026-01-01', validTo: '2030-01-01' } });
    expect(lic.status, lic.text).toBe(201);
    const trf = await api(url0, 'POST', '/v1/transfers', { key: holder.key, body: { registrationId: reg, to: { account: buyer.id }, rights: 'all' } });
    expect(trf.status, trf.text).toBe(201);
    const size = async (url: string) => Number((await api(url, 'GET', '/v1/blocks/latest')).body.treeSize);
    const sizeBefore = await size(url0);
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // 1. Killed before the acceptance's batch is written.
    server = await startServer({ dataDir: data.path, env: { ...env, NODE_ENV: 'test', TEST_HALT_AT_COMMIT: '1' } });
    let killed = killAtCommitHalt(server);
    void api(server.url, 'POST', `/v1/licences/${lic.body.id}/accept`, { key: platform.key }).catch(() => undefined);
    expect((await killed).halt).toMatchObject({ seq: 1, phase: 'before-write' });
    server = await startServer({ dataDir: data.path, env });
    expect((await api(server.url, 'GET', `/v1/licences/${lic.body.id}`, { key: platform.key })).body.state).toBe('offered');
    expect(await size(server.url)).toBe(sizeBefore);
    expect((await api(server.url, 'GET', `/v1/registry/${number}`)).body.licences).toEqual({ active: 0, exclusive: 0 });
    expect((await api(server.url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body.licences).toMatchObject({ offered: 1, granted: 0 });
    expect((await api(server.url, 'GET', `/v1/licences/check?number=${number}&licensee=${platform.id}&right=reproduction&at=2027-01-01`)).body.covered).toBe(false);
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // 2. Killed after the transfer's batch is durable, before anyone was answered.
    server = await startServer({ dataDir: data.path, env: { ...env, NODE_ENV: 'test', TEST_HALT_AT_COMMIT: '1:after-write' } });
    killed = killAtCommitHalt(server);
    void api(server.url, 'POST', `/v1/transfers/${trf.body.id}/accept`, { key: buyer.key }).catch(() => undefined);
    expect((await killed).halt).toMatchObject({ seq: 1, phase: 'after-write' });
    server = await startServer({ dataDir: data.path, env });
    expect((await api(server.url, 'GET', `/v1/transfers/${trf.body.id}`, { key: buyer.key })).body.state).toBe('completed');
    expect(await size(server.url)).toBe(sizeBefore + 1);
    const title = (await api(server.url, 'GET', `/v1/registry/${number}`)).body;
    expect(title.holders).toEqual([{ name: 'Han Meimei', rights: 'all' }]);
    expect(title.chain.map((l: { kind: string }) => l.kind)).toEqual(['registration', 'transfer']);
    expect((await api(server.url, 'GET', '/v1/stats', { key: ADMIN_API_KEY })).body.transfers).toMatchObject({ offered: 1, completed: 1 });
    // The old holder's offer can no longer be accepted; the new holder's licence can.
    expect((await api(server.url, 'POST', `/v1/licences/${lic.body.id}/accept`, { key: platform.key })).body.conflict).toBe('licensor_no_longer_holds');
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    const audit = await runCli(['audit', '--data-dir', data.path]);
    expect(audit.text).toMatch(/audit ok/);
    expect(audit.code).toBe(0);
  }, 180_000);
});
