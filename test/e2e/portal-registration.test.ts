/**
 * The portal's registration pages in Debian's Chromium: a creator applies from a deposit, a
 * reviewer asks for changes, the creator amends, the reviewer approves, and the number shows in
 * the public registry searched while signed out; a reviewer in a conflict of interest sees the
 * rule and cannot decide; /stats draws its chart and totals. axe-core finds no serious or
 * critical violation, and every page is photographed in both languages at desktop and phone size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeCheck, launchBrowser, newPage, PORTAL_ADMIN_KEY, screenshot, setPageLang, signUpAndIn, startPortal, type SignedUp } from '../support/browser.js';
import type { TestService } from '../support/service.js';
import { account, api, deposit, join, residentId, submitted, uscc } from '../support/registration.js';

let browser: Browser;
let svc: TestService;
let url: string;
const pages: (Page & { errors: string[] })[] = [];

/** A page, closed with its context in afterAll. */
async function page(lang: 'zh' | 'en' = 'en', phone = false): Promise<Page & { errors: string[] }> {
  const p = await newPage(browser, { baseUrl: url, lang, phone });
  pages.push(p);
  return p;
}

/** Only the expected 401 of a signed-out `GET /v1/session` may show in the console. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !e.endsWith('/v1/session]'));
}

beforeAll(async () => {
  browser = await launchBrowser();
  svc = await startPortal();
  url = svc.url;
}, 60_000);

afterAll(async () => {
  for (const p of pages) await p.context().close().catch(() => undefined);
  await browser?.close();
  await svc?.stop();
});

async function fillApplication(p: Page, title: string): Promise<void> {
  await p.getByLabel('Title of the work').fill(title);
  await p.getByLabel('Category', { exact: true }).selectOption('fine_art');
  await p.locator('#f-authors-0-name').fill('李雷 Li Lei');
  await p.locator('#f-authors-0-nationality').fill('cn');
  await p.locator('#f-rightsHolders-0-name').fill('李雷');
  await p.locator('#f-rightsHolders-0-displayName').fill('Li Lei Studio');
  await p.locator('#f-rightsHolders-0-idNumber').fill(residentId());
  await p.locator('#f-creation-completedOn').fill('2025-06-01');
  await p.locator('#f-creation-place').fill('深圳');
  await p.getByLabel('I declare that this application is true').check();
}

describe('portal: registration in the browser', () => {
  let creator: SignedUp;
  let reviewer: SignedUp;
  let regId = '';
  let number = '';
  const title = 'Harbour Lights 港湾灯火';

  it('a creator applies from a deposit; a bad field is named beside it', async () => {
    const p = await page('en');
    creator = await signUpAndIn(p, url, { name: 'Li Lei' });
    const dep = await deposit(url, creator.apiKey, { metadata: { title: 'Harbour Lights scan' } });
    await p.goto(`${url}/registrations`);
    await p.getByRole('link', { name: 'Apply for registration' }).click();
    await p.getByRole('heading', { name: 'New registration application' }).waitFor();
    // The deposit: picked from my deposits when the list is available, else typed.
    const box = p.locator(`input[name=deposit][value="${dep}"]`);
    if ((await box.count()) > 0) await box.check();
    else await p.getByLabel('Other deposit ids').fill(dep);
    await fillApplication(p, title);
    // A resident id with a wrong check digit: the server names the field; the page shows it there.
    const good = await p.locator('#f-rightsHolders-0-idNumber').inputValue();
    await p.locator('#f-rightsHolders-0-idNumber').fill(good.slice(0, 17) + (good.endsWith('1') ? '2' : '1'));
    await p.getByRole('button', { name: 'Submit for review' }).click();
    const err = p.locator('#f-rightsHolders-0-idNumber-err');
    await expect.poll(() => err.textContent()).toMatch(/rightsHolders\.0\.idNumber/);
    expect(await p.locator('#f-rightsHolders-0-idNumber').getAttribute('aria-invalid')).toBe('true');
    expect(await p.evaluate('document.activeElement?.id')).toBe('f-rightsHolders-0-idNumber');
    await screenshot(p, 'registration-new');
    p.errors.length = 0; // the 400 just provoked is logged by the browser
    await p.locator('#f-rightsHolders-0-idNumber').fill(good);
    await p.getByRole('button', { name: 'Submit for review' }).click();
    await p.waitForURL(/\/registrations\/reg_[0-9a-f]{20}$/);
    regId = p.url().split('/').pop()!;
    await p.getByText('Submitted, awaiting review').first().waitFor();
    expect(await p.locator('main h1').textContent()).toBe(title);
    await p.goto(`${url}/registrations`);
    await p.getByRole('link', { name: title }).waitFor();
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('a reviewer made through the admin API requests changes with a note', async () => {
    const p = await page('en');
    reviewer = await signUpAndIn(p, url, { name: 'Reviewer Wang', role: 'reviewer' });
    await p.goto(`${url}/review`);
    await p.getByRole('link', { name: title }).click();
    await p.waitForURL(`${url}/review/${regId}`);
    await p.getByRole('heading', { name: 'Conflict of interest' }).waitFor();
    expect(await p.locator('#conflict-rule').textContent()).toContain('does not bar you');
    // The deposit's hash is on the screen.
    const item = (await api(url, 'GET', `/v1/review/${regId}`, { key: reviewer.apiKey })).body;
    await p.getByText(item.deposits[0].deposit.sha256).waitFor();
    expect(await p.locator('main dl.details').first().textContent()).toContain('Li Lei');
    // Request changes without a note: the note field says so.
    await p.getByRole('button', { name: 'Request changes' }).click();
    await expect.poll(() => p.locator('#f-reason-err').textContent()).not.toBe('');
    await p.getByLabel('Note to the applicant').fill('Please give the place of first publication.');
    await p.getByRole('button', { name: 'Request changes' }).click();
    await p.getByText('The applicant has been asked for changes.').waitFor();
    expect((await api(url, 'GET', `/v1/registrations/${regId}`, { key: creator.apiKey })).body.state).toBe('changes_requested');
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('the creator sees the note and amends', async () => {
    const p = pages[0]!;
    await p.goto(`${url}/registrations/${regId}`);
    // The reviewer's note, above the form and in the history.
    await p.locator('.warning', { hasText: 'Please give the place of first publication.' }).waitFor();
    expect(await p.locator('table').getByText('Please give the place of first publication.').count()).toBe(1);
    await p.getByRole('heading', { name: 'Amend and resubmit' }).waitFor();
    await screenshot(p, 'registration-changes');
    await p.getByLabel('Published', { exact: true }).check();
    await p.getByLabel('Date first published').fill('2025-07-01');
    await p.getByLabel('Place first published').fill('上海');
    await p.getByRole('button', { name: 'Save and resubmit' }).click();
    await p.getByRole('cell', { name: 'Amended and resubmitted' }).waitFor();
    expect(await p.getByRole('heading', { name: 'Amend and resubmit' }).count()).toBe(0);
    const view = (await api(url, 'GET', `/v1/registrations/${regId}`, { key: creator.apiKey })).body;
    expect(view.state).toBe('submitted');
    expect(view.application.publication).toEqual({ status: 'published', firstPublishedOn: '2025-07-01', place: '上海' });
    expect(view.history.map((x: { action: string }) => x.action)).toEqual(['submit', 'request_changes', 'amend']);
  }, 120_000);

  it('the reviewer approves; the creator can download the certificate', async () => {
    const p = pages[1]!;
    await p.goto(`${url}/review/${regId}`);
    await p.getByRole('button', { name: 'Approve and register' }).click();
    const done = p.getByText(/Approved\. Registration number: CL-\d{4}-F-\d{8}/);
    await done.waitFor();
    number = /CL-\d{4}-F-\d{8}/.exec((await done.textContent())!)![0];
    expect((await api(url, 'GET', `/v1/registrations/${regId}`, { key: creator.apiKey })).body.number).toBe(number);

    const c = pages[0]!;
    await c.goto(`${url}/registrations/${regId}`);
    await c.getByRole('heading', { name: 'Registration certificate' }).waitFor();
    const [pdf] = await Promise.all([c.waitForEvent('download'), c.getByRole('button', { name: 'Download the PDF certificate' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`${number}.pdf`);
    const [json] = await Promise.all([c.waitForEvent('download'), c.getByRole('button', { name: 'Download the JSON certificate' }).click()]);
    expect(json.suggestedFilename()).toBe(`${number}.registration.json`);
    const path = await json.path();
    const cert = JSON.parse(await (await import('node:fs/promises')).readFile(path, 'utf8'));
    expect(cert.registration.number).toBe(number);
    await screenshot(c, 'registration-approved');
  }, 120_000);

  it('signed out, the public registry finds the number by title and by number', async () => {
    const p = await page('en');
    await p.goto(`${url}/registry`);
    await p.getByLabel('Number, title or rights holder').fill('Harbour');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.waitForURL(/\/registry\?q=Harbour/);
    const link = p.getByRole('link', { name: number });
    await link.waitFor();
    expect(await p.locator('tbody tr').first().textContent()).toContain('Li Lei Studio');
    await link.click();
    await p.waitForURL(`${url}/registry/${number}`);
    await p.getByRole('heading', { name: title }).waitFor();
    // By number, in Chinese.
    await setPageLang(p, url, 'zh');
    await p.goto(`${url}/registry?q=${number.toLowerCase()}`);
    await p.getByRole('link', { name: number }).waitFor();
    expect(await p.locator('main h1').textContent()).toBe('公开登记簿');
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('a draft is saved, edited, and withdrawn with a confirming second press', async () => {
    const p = pages[0]!;
    await p.goto(`${url}/registrations/new`);
    await p.getByLabel('Title of the work').fill('Unfinished sketch');
    await p.getByRole('button', { name: 'Save as draft' }).click();
    await p.waitForURL(/\/registrations\/reg_[0-9a-f]{20}$/);
    const id = p.url().split('/').pop()!;
    await p.getByRole('heading', { name: 'Edit the draft' }).waitFor();
    expect(await p.locator('main .badge').first().textContent()).toBe('Draft');
    await p.getByLabel('Title of the work').fill('Unfinished sketch, second try');
    await p.getByRole('button', { name: 'Save as draft' }).click();
    await p.getByText('Saved.').waitFor();
    expect((await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.apiKey })).body.application.title).toBe('Unfinished sketch, second try');
    const withdraw = p.getByRole('button', { name: 'Withdraw the application' });
    await withdraw.focus();
    await p.keyboard.press('Enter');
    await p.getByRole('button', { name: 'Confirm: withdraw for good' }).waitFor();
    expect((await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.apiKey })).body.state).toBe('draft');
    await p.keyboard.press('Enter');
    await p.getByText('Withdrawn').first().waitFor();
    expect((await api(url, 'GET', `/v1/registrations/${id}`, { key: creator.apiKey })).body.state).toBe('withdrawn');
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('a reviewer in a conflict of interest sees the rule and cannot decide', async () => {
    const org = await account(url, PORTAL_ADMIN_KEY, { kind: 'organisation', name: 'Qianhai Studio' });
    const p = await page('en');
    const insider = await signUpAndIn(p, url, { name: 'Insider', role: 'reviewer' });
    await join(url, org, { key: insider.apiKey, id: insider.account.id });
    const id = await submitted(url, org.key, [await deposit(url, org.key)], {
      title: 'Studio Catalogue',
      rightsHolders: [{ name: 'Qianhai Studio Ltd', kind: 'organisation', idType: 'unified_social_credit_code', idNumber: uscc() }],
      rightsObtained: 'employment',
    });
    // Not in the insider's queue.
    await p.goto(`${url}/review`);
    await p.getByText(/Conflict-of-interest rule/).first().waitFor();
    expect(await p.getByRole('link', { name: 'Studio Catalogue' }).count()).toBe(0);
    // Opened directly: the rule, applied to them, and no way to decide.
    await p.goto(`${url}/review/${id}`);
    await p.getByText('This rule applies to you').waitFor();
    for (const name of ['Approve and register', 'Request changes', 'Reject']) expect(await p.getByRole('button', { name }).isDisabled()).toBe(true);
    expect(await p.getByText('Buttons disabled: conflict of interest.').count()).toBe(1);
    // The server refuses it as well.
    expect((await api(url, 'POST', `/v1/registrations/${id}/approve`, { key: insider.apiKey })).status).toBe(403);
    await screenshot(p, 'review-conflict');
    // Another reviewer's screen lets them decide it.
    const q = pages[1]!;
    await q.goto(`${url}/review/${id}`);
    expect(await q.getByRole('button', { name: 'Approve and register' }).isEnabled()).toBe(true);
  }, 120_000);

  it('/stats shows the chart and the totals against the targets', async () => {
    const p = await page('en');
    await p.goto(`${url}/stats`);
    const chart = p.locator('svg[role=img]');
    await chart.waitFor();
    const stats = (await api(url, 'GET', '/v1/stats/public')).body;
    expect(stats.deposits.total).toBeGreaterThanOrEqual(2);
    expect(await p.locator('#totals').textContent()).toContain(stats.deposits.total.toLocaleString('en-GB'));
    expect(await p.locator('#chart-title').textContent()).toBe(`Deposits per day (last ${stats.deposits.perDay.length} days, UTC)`);
    expect(await p.locator('#chart-desc').textContent()).toContain(`${stats.deposits.total} in all`);
    expect(await chart.locator('rect').count()).toBe(stats.deposits.perDay.length);
    expect(await p.locator('#p-deposits').getAttribute('max')).toBe('2000000');
    expect(await p.locator('#p-applications').getAttribute('max')).toBe('100000');
    expect(await p.locator('#p-organisations').getAttribute('max')).toBe('4000');
    expect(await p.locator('#p-deposits-text').textContent()).toContain(`${stats.deposits.total} of 2,000,000`);
    // The data table fallback holds today's count.
    const today = stats.deposits.perDay.at(-1);
    await p.getByText('Show the daily numbers as a table').click();
    expect(await p.locator('details table tbody tr').first().textContent()).toBe(`${today.date}${today.count}`);
    expect(unexpected(p.errors)).toEqual([]);
  }, 120_000);

  it('axe-core: no serious or critical violation; screenshots in both languages at desktop and phone width', async () => {
    const shots: [string, string, SignedUp | undefined][] = [
      ['registrations', '/registrations', creator],
      ['registration-new', '/registrations/new', creator],
      ['registration', `/registrations/${regId}`, creator],
      ['review', '/review', reviewer],
      ['review-item', `/review/${regId}`, reviewer],
      ['registry', `/registry?q=Harbour`, undefined],
      ['registry-entry', `/registry/${number}`, undefined],
      ['stats', '/stats', undefined],
    ];
    // A second submitted application so the queue and the decision screen have something pending.
    const pendingId = await submitted(url, creator.apiKey, [await deposit(url, creator.apiKey)], { title: '山水 Mountains and Water' });
    shots.push(['review-pending', `/review/${pendingId}`, reviewer]);
    for (const lang of ['zh', 'en'] as const) {
      for (const phone of [false, true]) {
        const signedIn = new Map<SignedUp, Page>();
        const anon = await page(lang, phone);
        for (const [name, path, who] of shots) {
          let p: Page = anon;
          if (who !== undefined) {
            if (!signedIn.has(who)) {
              const q = await page(lang, phone);
              const s = await q.request.post(`${url}/v1/session`, { headers: { 'content-type': 'application/json' }, data: { email: who.email, password: who.password } });
              expect(s.status()).toBe(200);
              signedIn.set(who, q);
            }
            p = signedIn.get(who)!;
          }
          await p.goto(url + path);
          await p.locator('main h1').waitFor();
          await p.waitForLoadState('networkidle');
          expect(await p.locator('main .error[role=alert]:not(:empty)').count(), `${name} ${lang}`).toBe(0);
          // Nothing sticks out sideways (a phone would have to scroll horizontally).
          expect(await p.evaluate('document.documentElement.scrollWidth - window.innerWidth'), `${name} ${lang} ${phone ? 'phone' : 'desktop'} overflows`).toBeLessThanOrEqual(0);
          await screenshot(p, name);
          expect(await axeCheck(p), `${name} (${lang}, ${phone ? 'phone' : 'desktop'})`).toEqual([]);
        }
      }
    }
  }, 480_000);
});
