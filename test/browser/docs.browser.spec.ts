// Swagger UI at /docs in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
// authorise with a bearer token, "Try it out" on PUT and GET, and read the answers off the page.
// Every request the page makes must go to the service itself: its assets are served locally.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { http } from '../support/http.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const found = existsSync(CHROMIUM);
if (!found) {
  // Loud, and only where Chromium could not be installed: the tests below are then not run.
  process.stderr.write(
    `\n!!! test/browser/docs.browser.spec.ts: NOT RUN: no Chromium at ${CHROMIUM}. ` +
      'Install it with `apt-get install -y chromium` (bash .ci/run does), or set CHROMIUM_PATH.\n\n',
  );
}
const describeInChromium = found ? describe : describe.skip;

/**
 * The network here is closed: without these, Chromium keeps trying to reach Google's services
 * (updates, sync, QUIC probes) and can hang. A fresh profile per run (launchPersistentContext).
 */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Bounds every wait of the page. */
const STEP_MS = 15_000;

const PROFILE = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  nickName: 'ada',
  displayName: 'Ada Lovelace',
  preferredLanguage: 'en-US',
  gender: 'GENDER_FEMALE',
};

describeInChromium('Swagger UI at /docs in headless Chromium', () => {
  let t: TestApp;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    profileDir = mkdtempSync(join(tmpdir(), 'profile-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      timeout: 30_000,
    });
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
    // Record every request; one to another origin would be answered by nothing here, so it is
    // cut short instead of left to time out.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      requests.push(url);
      if (new URL(url).origin === t.baseUrl) await route.continue();
      else await route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });
    await t?.close();
  }, 30_000);

  /** Opens an operation, presses "Try it out" and "Execute", and reads the answer it shows. */
  async function tryItOut(
    operationId: string,
  ): Promise<{ status: string; body: unknown; curl: string }> {
    const operation = page.locator(`#operations-profile-${operationId}`);
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const response = operation.locator('.live-responses-table .response').first();
    const status = await textOf(response.locator('.response-col_status'));
    const body = await textOf(response.locator('.response-col_description pre').first());
    const curl = await textOf(operation.locator('.curl-command pre, .curl-command code').first());
    return { status: status.trim(), body: JSON.parse(body) as unknown, curl };
  }

  async function textOf(locator: Locator): Promise<string> {
    await locator.waitFor({ state: 'visible' });
    return (await locator.textContent()) ?? '';
  }

  it('authorises with a bearer token and runs PUT and GET with "Try it out"', async () => {
    const { sub, token } = await t.subject('swagger-ui');
    await page.goto(`${t.baseUrl}/docs`, { waitUntil: 'load' });
    await page.locator('#operations-profile-UpdateMyProfile').waitFor();
    expect(await page.title()).toBe('profile-service API');

    // Authorize: the bearer scheme's dialog.
    await page.locator('.auth-wrapper button.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input[aria-label="auth-bearer-value"]').fill(token);
    await dialog.locator('button.authorize[type="submit"]').click();
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });

    // PUT with the example body that Swagger UI fills in.
    const put = await tryItOut('UpdateMyProfile');
    expect(put.curl).toContain(`Authorization: Bearer ${token}`);
    expect(put.status).toBe('200');
    expect(put.body).toEqual({
      details: {
        sequence: '1',
        creationDate: expect.any(String),
        changeDate: expect.any(String),
        resourceOwner: 'default-org',
      },
    });

    // GET: the profile just written.
    const get = await tryItOut('GetMyProfile');
    expect(get.status).toBe('200');
    expect(get.body).toEqual({
      details: expect.objectContaining({ sequence: '1', resourceOwner: 'default-org' }),
      profile: PROFILE,
    });

    // It was stored for the token's subject, not shown only.
    const stored = await http(t.baseUrl, 'GET', '/auth/v1/users/me/profile', {
      token: await t.issuer.mint(sub),
    });
    expect(stored.body.profile).toEqual(PROFILE);
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('loaded nothing from another origin', () => {
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests).toEqual(
      expect.arrayContaining([
        `${t.baseUrl}/docs`,
        `${t.baseUrl}/docs/swagger-ui-bundle.js`,
        `${t.baseUrl}/docs/swagger-ui.css`,
        `${t.baseUrl}/auth/v1/users/me/profile`,
      ]),
    );
    const elsewhere = requests.filter((url) => new URL(url).origin !== t.baseUrl);
    expect(elsewhere).toEqual([]);
  });
});
