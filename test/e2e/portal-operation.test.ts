/**
 * The portal's operation pages in Debian's Chromium: a rights holder offers a licence in the
 * browser (a bad period is named beside its field first), the licensee — another account in a
 * second context — accepts it and downloads the certificate; the public check page answers
 * covered and not covered; a transfer started and accepted in the browser changes the holder on
 * /registry/:number; a pledge registered in the browser shows there, a transfer of the pledged work
 * waits for the pledgee's consent given in the browser, and the pledgee releases the pledge. A
 * licence to a name only is granted on a contract hashed in the page and revoked by keyboard.
 * axe-core finds no serious or critical violation, and every page is photographed in both
 * languages at desktop and phone size. Registrations are set up through the API.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeCheck, launchBrowser, newPage, PORTAL_ADMIN_KEY, screenshot, signUpAndIn, startPortal, type SignedUp } from '../support/browser.js';
import type { TestService } from '../support/service.js';
import { account, api, deposit, hex32, submitted, type Actor } from '../support/registration.js';

let browser: Browser;
let svc: TestService;
let url: string;
let reviewer: Actor;
const pages: (Page & { errors: string[] })[] = [];

async function page(lang: 'zh' | 'en' = 'en', phone = false): Promise<Page & { errors: string[] }> {
  const p = await newPage(browser, { baseUrl: url, lang, phone });
  pages.push(p);
  return p;
}

/** Signs an existing account into `p`'s context. */
async function signIn(p: Page, who: SignedUp): Promise<void> {
  const res = await p.request.post(`${url}/v1/session`, { headers: { 'content-type': 'application/json' }, data: { email: who.email, password: who.password } });
  expect(res.status()).toBe(200);
}

/** Only the expected 401 of a signed-out `GET /v1/session` may show in the console. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !e.endsWith('/v1/session]'));
}

/** An approved registration of `owner`: its id, number and the deposit's SHA-256. */
async function registered(owner: SignedUp, title: string): Promise<{ id: string; number: string; sha256: string }> {
  const sha256 = hex32();
  const dep = await deposit(url, owner.apiKey, { sha256 });
  const id = await submitted(url, owner.apiKey, [dep], { title });
  const ok = await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: reviewer.key });
  expect(ok.status, ok.text).toBe(200);
  return { id, number: ok.body.number as string, sha256 };
}

beforeAll(async () => {
  browser = await launchBrowser();
  svc = await startPortal();
  url = svc.url;
  reviewer = await account(url, PORTAL_ADMIN_KEY, { role: 'reviewer', name: 'Reviewer' });
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => undefined);
  await browser?.close();
  await svc?.stop();
});

describe('portal: licences, transfers and pledges in the browser', () => {
  let holder: SignedUp;
  let licensee: SignedUp;
  let buyer: SignedUp;
  let bank: SignedUp;
  let holderPage: Page & { errors: string[] };
  let licenseePage: Page & { errors: string[] };
  let buyerPage: Page & { errors: string[] };
  let work: { id: string; number: string; sha256: string };
  let licenceId = '';

  it('the rights holder offers a licence; a bad period is shown beside its field', async () => {
    holderPage = await page('en');
    holder = await signUpAndIn(holderPage, url, { name: 'Li Lei' });
    licenseePage = await page('en');
    licensee = await signUpAndIn(licenseePage, url, { name: 'Video Platform', kind: 'organisation', role: 'platform' });
    work = await registered(holder, 'Harbour Lights 港湾灯火');

    const p = holderPage;
    await p.goto(`${url}/licences`);
    await p.getByRole('heading', { name: 'Offer a licence' }).waitFor();
    await p.getByLabel('Work (my registration)').selectOption(work.id);
    await p.locator('#f-licensee-account').fill(licensee.account.id);
    await p.locator('input[name=rights][value=information_network_dissemination]').check();
    await p.locator('input[name=rights][value=reproduction]').check();
    await p.getByLabel(/Exclusive licence/).check();
    await p.getByLabel('Territory', { exact: true }).fill('CN, hk');
    await p.getByLabel('Valid from').fill('2026-01-01');
    await p.getByLabel('Valid to (inclusive)').fill('2025-12-31');
    await p.locator('#f-fee-amount').fill('50000.00');
    await p.getByLabel(/Licence terms URI/).fill('https://creativecommons.org/licenses/by-nc/4.0/');
    await p.getByRole('button', { name: 'Offer the licence' }).click();
    // validTo before validFrom: the service names validTo, the page shows it there and focuses it.
    const err = p.locator('#f-validTo-err');
    await expect.poll(() => err.textContent()).toMatch(/validTo|after/i);
    expect(await p.locator('#f-validTo').getAttribute('aria-invalid')).toBe('true');
    expect(await p.evaluate('document.activeElement && document.activeElement.id')).toBe('f-validTo');

    await p.getByLabel('Valid to (inclusive)').fill('2027-12-31');
    await p.getByRole('button', { name: 'Offer the licence' }).click();
    const status = p.getByRole('status').filter({ hasText: /Licence lic_/ });
    await status.waitFor();
    licenceId = /lic_[0-9a-f]+/.exec((await status.textContent()) ?? '')![0];
    const card = p.locator(`article[data-op="${licenceId}"]`);
    await expect.poll(() => card.textContent()).toMatch(/Offered/);
    expect(await card.textContent()).toMatch(/Video Platform/);
    expect(await card.textContent()).toMatch(/Information network dissemination/);
    // The service recorded what the form said.
    const got = await api(url, 'GET', `/v1/licences/${licenceId}`, { key: holder.apiKey });
    expect(got.body.terms).toMatchObject({ exclusive: true, territory: ['CN', 'HK'], fee: { amount: '50000.00', currency: 'CNY' }, terms: 'https://creativecommons.org/licenses/by-nc/4.0/', });
    expect([...got.body.terms.rights].sort()).toEqual(['information_network_dissemination', 'reproduction']);
    // The refused offer's 400 is the only resource error the browser logged.
    expect(unexpected(p.errors).filter((e) => !/status of 400\b.*\/v1\/licences\]$/.test(e))).toEqual([]);
  }, 120_000);

  it('the licensee accepts in a second browser context and downloads the certificate', async () => {
    const p = licenseePage;
    await p.goto(`${url}/licences`);
    const card = p.locator(`article[data-op="${licenceId}"]`);
    await card.getByRole('button', { name: 'Accept the licence' }).click();
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toMatch(/In force/);
    const [pdf] = await Promise.all([p.waitForEvent('download'), card.getByRole('button', { name: 'Certificate (PDF)' }).click()]);
    const pdfBytes = await readFile((await pdf.path())!);
    expect(pdfBytes.subarray(0, 5).toString()).toBe('%PDF-');
    const [json] = await Promise.all([p.waitForEvent('download'), card.getByRole('button', { name: 'Certificate (JSON)' }).click()]);
    const cert = JSON.parse(await readFile((await json.path())!, 'utf8')) as { format: string; operation: { id: string; action: string } };
    expect(cert.format).toBe('copyright-ledger/operation-certificate@v1');
    expect(cert.operation).toMatchObject({ id: licenceId, action: 'accept' });
    // The certificate verifies (POST /v1/verify runs the same checks as the offline page).
    const verified = await api(url, 'POST', '/v1/verify', { body: cert });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.valid).toBe(true);
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('the public check page says covered for the licensed use and not covered outside it', async () => {
    const p = await page('en');
    await p.goto(`${url}/licences/check`);
    await p.getByLabel(/Registration number or the SHA-256/).fill(work.number);
    await p.getByLabel('Licensee', { exact: true }).fill(licensee.account.id);
    await p.getByLabel('Right', { exact: true }).selectOption('information_network_dissemination');
    await p.getByLabel('Date (optional)').fill('2026-06-01');
    await p.getByRole('button', { name: 'Check' }).click();
    const verdict = p.locator('section.verdict h2');
    await expect.poll(() => verdict.textContent()).toMatch(/^✓ Covered$/);
    expect(await p.locator('section.verdict').textContent()).toContain(licenceId);
    // Another right: not covered. By the work's file hash this time.
    await p.getByLabel(/Registration number or the SHA-256/).fill(work.sha256);
    await p.getByLabel('Right', { exact: true }).selectOption('translation');
    await p.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => verdict.textContent()).toMatch(/^✗ Not covered$/);
    // Outside the period: not covered either.
    await p.goto(`${url}/licences/check?number=${work.number}&licensee=${licensee.account.id}&right=reproduction&at=2028-02-01`);
    await expect.poll(() => verdict.textContent()).toMatch(/Not covered/);
    expect(unexpected(p.errors)).toEqual([]);
    // A malformed number is named beside the work's box (the browser logs the 400).
    await p.goto(`${url}/licences/check?number=CL-nope&licensee=x&right=reproduction`);
    await expect.poll(() => p.locator('#f-work-err').textContent()).toMatch(/\S/);
    expect(await p.locator('#f-work').getAttribute('aria-invalid')).toBe('true');
  }, 120_000);

  it('a licence to a name only is granted on the contract hashed in the page; the holder revokes it by keyboard', async () => {
    const p = holderPage;
    await p.goto(`${url}/licences`);
    await p.getByRole('heading', { name: 'Offer a licence' }).waitFor();
    await p.getByLabel('Work (my registration)').selectOption(work.id);
    await p.locator('#f-licensee-name').fill('Pearl River Film Studio');
    await p.locator('input[name=rights][value=translation]').check();
    await p.getByLabel('Valid to (inclusive)').fill('2027-06-30');
    // The contract is hashed in the browser; only its SHA-256 is sent.
    const contract = Buffer.from('licence contract, signed 2026-11-30\n');
    await p.getByLabel('Compute from the contract file').setInputFiles({ name: 'contract.txt', mimeType: 'text/plain', buffer: contract });
    const expected = createHash('sha256').update(contract).digest('hex');
    await expect.poll(() => p.locator('#f-contractSha256').inputValue()).toBe(expected);
    await p.getByRole('button', { name: 'Offer the licence' }).click();
    const status = p.getByRole('status').filter({ hasText: /Licence lic_.* is in force/ });
    await status.waitFor();
    const id = /lic_[0-9a-f]+/.exec((await status.textContent()) ?? '')![0];
    const card = p.locator(`article[data-op="${id}"]`);
    expect(await card.textContent()).toMatch(/Pearl River Film Studio[\s\S]*In force/);
    expect((await api(url, 'GET', `/v1/licences/${id}`, { key: holder.apiKey })).body.terms.contractSha256).toBe(expected);

    // Revoke with the keyboard only: open the form, type the reason, submit.
    await card.getByRole('button', { name: 'Revoke…' }).focus();
    await p.keyboard.press('Enter');
    await expect.poll(() => p.evaluate('document.activeElement && document.activeElement.id')).toBe('f-reason');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    // An empty reason is refused beside the field.
    await expect.poll(() => p.locator('#f-reason-err').textContent()).toMatch(/\S/);
    await p.locator('#f-reason').fill('The studio did not pay the first instalment.');
    await p.locator('#f-reason').press('Tab');
    await p.keyboard.press('Enter');
    await expect.poll(() => p.locator(`article[data-op="${id}"]`).textContent(), { timeout: 20_000 }).toMatch(/Revoked/);
    expect(await p.locator(`article[data-op="${id}"]`).textContent()).toContain('The studio did not pay the first instalment.');
  }, 120_000);

  it('a transfer started and accepted in the browser changes the holder on /registry/:number', async () => {
    buyerPage = await page('en');
    buyer = await signUpAndIn(buyerPage, url, { name: 'Han Meimei' });
    const p = holderPage;
    await p.goto(`${url}/transfers`);
    await p.getByRole('heading', { name: 'Start a transfer' }).waitFor();
    await p.getByLabel('Work (my registration)').selectOption(work.id);
    await p.locator('#f-to-account').fill(buyer.account.id);
    expect(await p.getByLabel('All rights I hold').isChecked()).toBe(true);
    await p.locator('#f-consideration-amount').fill('120000.00');
    await p.getByRole('button', { name: 'Start the transfer' }).click();
    const status = p.getByRole('status').filter({ hasText: /Transfer trf_/ });
    await status.waitFor();
    const trf = /trf_[0-9a-f]+/.exec((await status.textContent()) ?? '')![0];

    const b = buyerPage;
    await b.goto(`${url}/transfers`);
    const card = b.locator(`article[data-op="${trf}"]`);
    await card.getByRole('button', { name: 'Accept the transfer' }).click();
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toMatch(/Completed/);
    await card.getByRole('button', { name: 'Certificate (PDF)' }).waitFor();

    const pub = await page('en');
    await pub.goto(`${url}/registry/${work.number}`);
    const chain = pub.locator('section.chain');
    await chain.waitFor();
    await expect.poll(() => chain.locator('ul.holders').textContent()).toContain('Han Meimei');
    expect(await chain.locator('ul.holders').textContent()).not.toContain('Li Lei');
    expect(await chain.locator('ol.links').first().textContent()).toMatch(/Transferred: .* → Han Meimei/);
    expect(await chain.textContent()).toMatch(/Licences in force\s*1 \(1 exclusive\)/);
    // The former holder has nothing left to offer: the transfer form has no work of theirs.
    await p.goto(`${url}/licences`);
    await p.getByRole('heading', { name: 'Offer a licence' }).waitFor();
    const offered = await p.locator('#f-registrationId option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    // (approved registrations stay listed; the service refuses the offer)
    await p.getByLabel('Work (my registration)').selectOption(work.id);
    await p.locator('#f-licensee-account').fill(licensee.account.id);
    await p.locator('input[name=rights][value=translation]').check();
    await p.getByLabel('Valid to (inclusive)').fill('2027-12-31');
    await p.getByRole('button', { name: 'Offer the licence' }).click();
    await expect.poll(() => p.locator('#f-registrationId-err').textContent()).toMatch(/\S/);
    expect(offered).toContain(work.id);
    expect(unexpected(pub.errors)).toEqual([]);
  }, 120_000);

  it('a pledge registered in the browser shows on /registry/:number; a transfer of the work waits for the pledgee\'s consent; the pledgee releases it', async () => {
    const bankPage = await page('en');
    bank = await signUpAndIn(bankPage, url, { name: 'Qianhai Bank', kind: 'organisation' });
    const b = buyerPage;
    await b.goto(`${url}/pledges`);
    await b.getByRole('heading', { name: 'Register a pledge' }).waitFor();
    // The work came by transfer: it is offered to the new holder.
    await b.getByLabel('Work (my registration)').selectOption(work.id);
    await b.locator('#f-pledgee-account').fill(bank.account.id);
    await b.locator('#f-securedAmount-amount').fill('1000000.00');
    await b.getByLabel('Debt term to (inclusive)').fill('2028-06-30');
    await b.getByRole('button', { name: 'Register the pledge' }).click();
    const status = b.getByRole('status').filter({ hasText: /Pledge plg_/ });
    await status.waitFor();
    const plg = /plg_[0-9a-f]+/.exec((await status.textContent()) ?? '')![0];
    await b.locator(`article[data-op="${plg}"]`).getByRole('button', { name: 'Certificate (PDF)' }).waitFor();

    const pub = await page('en');
    await pub.goto(`${url}/registry/${work.number}`);
    const chain = pub.locator('section.chain');
    await chain.waitFor();
    expect(await chain.locator('h2').textContent()).toMatch(/Pledged/);
    expect(await chain.locator('ol.pledges').textContent()).toMatch(/Pledgee Qianhai Bank.*in force/);

    // A transfer of the pledged work: acceptance waits for the pledgee's consent, given by the transfer's id.
    await b.goto(`${url}/transfers`);
    await b.getByLabel('Work (my registration)').selectOption(work.id);
    await b.locator('#f-to-account').fill(holder.account.id);
    await b.getByRole('button', { name: 'Start the transfer' }).click();
    const started = b.getByRole('status').filter({ hasText: /Transfer trf_/ });
    await started.waitFor();
    const back = /trf_[0-9a-f]+/.exec((await started.textContent()) ?? '')![0];
    await holderPage.goto(`${url}/transfers`);
    const backCard = holderPage.locator(`article[data-op="${back}"]`);
    await backCard.getByRole('button', { name: 'Accept the transfer' }).click();
    await expect.poll(() => backCard.locator('[role=alert]').last().textContent()).toMatch(new RegExp(`pledgee \\(${plg}\\) must first consent to this transfer \\(id ${back}\\)`));
    await bankPage.goto(`${url}/transfers`);
    await bankPage.getByLabel('Transfer id', { exact: true }).fill('trf_nonsense');
    await bankPage.getByRole('button', { name: 'Consent to the transfer' }).click();
    await expect.poll(() => bankPage.locator('#f-transferId-err').textContent()).toMatch(/not a transfer id/);
    await bankPage.getByLabel('Transfer id', { exact: true }).fill(back);
    await bankPage.getByRole('button', { name: 'Consent to the transfer' }).click();
    await bankPage.getByRole('status').filter({ hasText: `You consented to transfer ${back}.` }).waitFor();
    await holderPage.reload();
    await backCard.getByRole('button', { name: 'Accept the transfer' }).click();
    await expect.poll(() => backCard.textContent(), { timeout: 20_000 }).toMatch(/Completed/);
    expect(await backCard.textContent()).toContain(plg);

    await bankPage.goto(`${url}/pledges`);
    const card = bankPage.locator(`article[data-op="${plg}"]`);
    const release = card.getByRole('button', { name: 'Release the pledge' });
    // Two presses of Enter: the first asks, the second releases.
    await release.focus();
    await bankPage.keyboard.press('Enter');
    await card.getByRole('button', { name: 'Confirm the release' }).waitFor();
    await bankPage.keyboard.press('Enter');
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toMatch(/Released/);
    await pub.reload();
    await expect.poll(() => pub.locator('section.chain h2').textContent()).toMatch(/Not pledged/);
    expect(unexpected(bankPage.errors)).toEqual([]);
  }, 120_000);

  it('no serious or critical axe violations; screenshots in both languages at desktop and phone size', async () => {
    const shots: [string, string, SignedUp | undefined][] = [
      ['licences', '/licences', licensee],
      ['transfers', '/transfers', buyer],
      ['pledges', '/pledges', bank],
      ['licence-check', `/licences/check?number=${work.number}&licensee=${licensee.account.id}&right=information_network_dissemination&at=2026-06-01`, undefined],
      ['registry-chain', `/registry/${work.number}`, undefined],
    ];
    const found: string[] = [];
    for (const lang of ['zh', 'en'] as const) {
      for (const phone of [false, true]) {
        const p = await page(lang, phone);
        for (const [name, path, who] of shots) {
          if (who) await signIn(p, who);
          else await p.context().clearCookies({ name: 'cl_session' });
          await p.goto(`${url}${path}`);
          await p.locator('main h1').waitFor();
          if (name === 'licence-check') await p.locator('section.verdict').waitFor();
          if (name === 'registry-chain') await p.locator('section.chain').waitFor();
          else if (who) await p.locator('section.op-list').first().waitFor();
          await screenshot(p, `operation-${name}`);
          for (const v of await axeCheck(p)) found.push(`${name} ${lang} ${phone ? 'phone' : 'desktop'}: ${v.id} ${v.help} ${v.nodes.join(' | ')}`);
          // Nothing scrolls sideways on a phone.
          if (phone) expect(await p.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), `${name} scrolls sideways`).toBe(true);
        }
        expect(unexpected(p.errors)).toEqual([]);
        await p.context().close();
      }
    }
    expect(found).toEqual([]);
  }, 300_000);
});
