// Flow 9 end to end: the portal inside a partner bank's page. The demo bank website runs on a second
// loopback origin (DEMO_URL, 127.0.0.2) and frames the portal (PORTAL_URL, 127.0.0.1); a third origin
// (127.0.0.3), which no bank allows, is served here. Every message the frame posts is checked against
// docs/embed-messages.schema.json.
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('@playwright/test');
const { test, expect, expectAccessible, signInAtBank } = require('./fixtures');
const { validateMessage } = require('./embed-schema');

const DEMO = process.env.DEMO_URL || 'http://127.0.0.2:8082';
const PORTAL = process.env.PORTAL_URL || 'http://127.0.0.1:8080';
const FOREIGN_PORT = Number(process.env.FOREIGN_PORT || 8086);
const PHONE = '+7 916 123-45-67';

/** The messages the demo page accepted from the frame, in order (its developer log). */
async function messagesOf(page) {
  const texts = await page.locator('#bp-messages li').allTextContents();
  return texts.map((t) => JSON.parse(t));
}

function expectValidMessages(messages) {
  for (const m of messages) {
    const r = validateMessage(m);
    expect(r.errors, `message ${JSON.stringify(m)} against the schema`).toEqual([]);
  }
}

async function openBankPage(page, query = '') {
  await page.goto(`${DEMO}/sber/${query}`);
  const frame = page.frameLocator('#bp-portal-frame');
  await expect(frame.getByRole('textbox')).toBeVisible();
  return frame;
}

/** Phone and consent inside the frame, up to the button that opens the bank. */
async function phoneAndConsent(page, frame, { axe = false, keys = false } = {}) {
  if (axe) await expectAccessible(page, 'embed: phone step');
  await frame.getByRole('textbox').fill(PHONE);
  const submit = frame.locator('form button[type=submit]');
  if (keys) await submit.press('Enter'); else await submit.click();
  const box = frame.getByRole('checkbox');
  await expect(box).toBeVisible();
  if (axe) await expectAccessible(page, 'embed: consent step');
  await box.check();
}

/** The status the frame shows at the end: its request number. */
async function expectPendingStatus(frame) {
  await expect(frame.locator('[data-state]')).toHaveAttribute('data-state', 'pending_confirmation', { timeout: 20_000 });
  const text = await frame.locator('main').innerText();
  const number = text.match(/R-\d{4}-\d{6}/);
  expect(number, `request number in: ${text}`).not.toBeNull();
  return number[0];
}

/** Registers through the popup: the whole flow a citizen goes through inside the bank's page. */
async function registerInFrame(page, { axe = false } = {}) {
  const frame = await openBankPage(page);
  await phoneAndConsent(page, frame, { axe });
  const popupPromise = page.waitForEvent('popup');
  await frame.locator('form button[type=submit]').click();
  const popup = await popupPromise;
  if (axe) await expectAccessible(page, 'embed: waiting for the bank');
  await signInAtBank(popup, 'ivanov');
  const number = await expectPendingStatus(frame);
  // The bank's window closes itself once it has handed the code back.
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 10_000 });
  if (axe) await expectAccessible(page, 'embed: status');
  return { frame, number };
}

test('a citizen registers inside the bank page through the bank popup', async ({ page, context }) => {
  // No request of the frame carries personal data or a token in its URL, and the frame's API
  // calls need no cookie (third-party cookies are blocked in this Chromium by default).
  const frameApiCalls = [];
  page.on('request', async (r) => {
    if (r.url().startsWith(`${PORTAL}/api/`) && r.frame() !== page.mainFrame()) {
      frameApiCalls.push({ url: r.url(), headers: await r.allHeaders() });
    }
  });
  const handbacks = [];
  page.on('request', (r) => { if (r.url() === `${PORTAL}/api/v1/embed/handback`) handbacks.push(r.method()); });
  const { frame, number } = await registerInFrame(page, { axe: true });
  // The bank window handed its one-time code to the frame, which exchanged it (polling is the
  // channel that always works; the hand-back is the quick one when the window can reach the frame).
  expect(handbacks).toEqual(['POST']);

  // The bank page heard every step and the outcome, in the contract's shape, without personal data.
  await expect(page.locator('#bp-portal-status')).toContainText(number);
  const messages = await messagesOf(page);
  expectValidMessages(messages);
  const types = messages.map((m) => m.type);
  expect(types[0]).toBe('ready');
  expect(messages.filter((m) => m.type === 'step').map((m) => m.name)).toEqual(
    expect.arrayContaining(['phone', 'consent', 'bank', 'status']),
  );
  const done = messages.find((m) => m.type === 'done');
  expect(done).toEqual({ protocol: 'bankid-portal/1', type: 'done', status: 'pending_confirmation', request_number: number });
  const everything = JSON.stringify(messages);
  for (const secret of ['9161234567', 'Иван', 'Ivanov', 'Bearer', 'code']) {
    expect(everything).not.toContain(secret);
  }

  // The frame is sized from its resize messages.
  const resizes = messages.filter((m) => m.type === 'resize');
  expect(resizes.length).toBeGreaterThan(0);
  const last = resizes[resizes.length - 1].height;
  const height = await page.locator('#bp-portal-frame').evaluate((e) => Math.round(e.getBoundingClientRect().height));
  expect(Math.abs(height - last)).toBeLessThanOrEqual(1);

  for (const call of frameApiCalls) {
    expect(call.headers.cookie, `${call.url} sent a cookie`).toBeUndefined();
  }
  expect(frameApiCalls.some((c) => c.headers.authorization && c.headers.authorization.startsWith('Bearer '))).toBe(true);

  // Account pages are never framed: the frame opens them in a new top-level tab, signed in there
  // by the bank's popup.
  const link = frame.locator('a[target=_blank]').filter({ hasText: /./ }).first();
  await expect(link).toHaveAttribute('rel', /noopener/);
  const tabPromise = context.waitForEvent('page');
  await link.click();
  const tab = await tabPromise;
  await expect(tab).toHaveURL(/\/registration\/[A-Za-z0-9_-]+$/);
  await expect(tab.locator('[data-state]')).toHaveAttribute('data-state', 'pending_confirmation');
  await expect(tab.locator('main')).toContainText(number);
});

test('when the bank window loses its opener the frame learns the outcome by asking', async ({ page, context }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the channel does not depend on the viewport');
  // The bank's pages cut their window off from the frame, as a bank's own
  // Cross-Origin-Opener-Policy does: the real answers of the sandbox bank, with that header added.
  const bankPort = String(Number(new URL(PORTAL).port) + 1);
  await context.route((url) => url.port === bankPort && url.hostname === '127.0.0.1', async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    await route.fulfill({ response, headers: { ...response.headers(), 'cross-origin-opener-policy': 'same-origin' } });
  });
  const handbacks = [];
  page.on('request', (r) => { if (r.url() === `${PORTAL}/api/v1/embed/handback`) handbacks.push(r.url()); });
  const frame = await openBankPage(page);
  await phoneAndConsent(page, frame);
  const popupPromise = page.waitForEvent('popup');
  await frame.locator('form button[type=submit]').click();
  const popup = await popupPromise;
  await signInAtBank(popup, 'ivanov');
  // The frame got there by polling: no hand-back could reach it.
  const number = await expectPendingStatus(frame);
  await expect(page.locator('#bp-portal-status')).toContainText(number);
  expect(handbacks).toEqual([]);
  // The bank window, with nobody to hand the code to, says where to go; the code is gone from
  // its address bar.
  await expect(popup).toHaveURL(`${PORTAL}/embed/return`);
  await expect(popup.getByRole('heading', { level: 1 })).toBeVisible();
  await expectAccessible(popup, 'bank window without its opener');
});

test('with third-party cookies blocked the registration still completes', async ({ browserName }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'one browser profile is enough');
  // A Chromium profile with "Block third-party cookies" on, as a user sets it.
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'tpc-blocked-'));
  fs.mkdirSync(path.join(dir, 'Default'));
  fs.writeFileSync(path.join(dir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true } }));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--test-third-party-cookie-phaseout',
      testInfo.config.metadata.browserFeatures],
    locale: 'en-GB',
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    const frame = await openBankPage(page);
    // The setting is in force: the frame cannot keep an unpartitioned cookie of its own.
    const portalFrame = page.frames().find((f) => f.url().startsWith(PORTAL));
    const kept = await portalFrame.evaluate(() => {
      document.cookie = 'probe=1; SameSite=None; Secure';
      return document.cookie.includes('probe=1');
    });
    expect(kept).toBe(false);
    await phoneAndConsent(page, frame);
    const popupPromise = page.waitForEvent('popup');
    await frame.locator('form button[type=submit]').click();
    await signInAtBank(await popupPromise, 'ivanov');
    const number = await expectPendingStatus(frame);
    await expect(page.locator('#bp-portal-status')).toContainText(number);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('with popups blocked the whole tab goes to the bank and comes back to the bank page', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'the fallback does not depend on the viewport');
  const frame = await openBankPage(page, '?popups=blocked');
  await phoneAndConsent(page, frame);
  let popups = 0;
  page.on('popup', () => { popups += 1; });
  await frame.locator('form button[type=submit]').click();
  // The whole tab is at the bank now.
  await expect(page.locator('#login')).toBeVisible({ timeout: 15_000 });
  await signInAtBank(page, 'ivanov');
  // Back on the bank's own page, whose frame picks the registration up again.
  await expect(page).toHaveURL(new RegExp(`^${DEMO}/sber/`));
  const back = page.frameLocator('#bp-portal-frame');
  const number = await expectPendingStatus(back);
  await expect(page.locator('#bp-portal-status')).toContainText(number);
  expect(popups).toBe(0);
  // The credential was only parked for the trip: nothing is left in the frame's storage.
  const portalFrame = page.frames().find((f) => f.url().startsWith(PORTAL));
  expect(await portalFrame.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
});

/** Serves `html` on 127.0.0.3 (an origin no bank allows) for the duration of `fn`. */
async function onForeignOrigin(html, fn) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(FOREIGN_PORT, '127.0.0.3', resolve));
  try {
    return await fn(`http://127.0.0.3:${FOREIGN_PORT}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('a page on an origin the bank did not configure gets an empty frame', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'framing does not depend on the viewport');
  const violations = [];
  page.on('console', (m) => { if (/frame-ancestors/.test(m.text())) violations.push(m.text()); });
  await onForeignOrigin(`<!doctype html><title>x</title><iframe id="f" title="portal" src="${PORTAL}/embed/sber"></iframe>`,
    async (origin) => {
      await page.goto(`${origin}/`);
      await expect.poll(() => violations.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(violations[0]).toContain('frame-ancestors');
      const frame = page.frames().find((f) => f !== page.mainFrame());
      // Nothing of the portal rendered in it.
      const portalText = await frame.evaluate(() => document.body ? document.body.innerText : '').catch(() => '');
      expect(portalText).not.toMatch(/Госуслуги|Gosuslugi|портал/i);
      expect(frame.url()).not.toBe(`${PORTAL}/embed/sber`);
    });
});

test('messages from another origin or of another shape change nothing', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'messaging does not depend on the viewport');
  const frame = await openBankPage(page);
  const lang = () => frame.locator('html').getAttribute('lang');
  await expect.poll(lang).toBe('ru');
  const handbacks = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/embed/handback')) handbacks.push(r.url()); });
  // From the allowed bank page, but not the contract's shape.
  await page.evaluate(() => {
    const w = document.getElementById('bp-portal-frame').contentWindow;
    const target = new URL(document.getElementById('bp-portal-frame').src).origin;
    for (const m of [
      { protocol: 'bankid-portal/1', type: 'locale', locale: 'de' },
      { protocol: 'bankid-portal/1', type: 'locale', locale: 'ru-RU' },
      { protocol: 'bankid-portal/2', type: 'locale', locale: 'en' },
      { protocol: 'bankid-portal/1', type: 'locale', locale: 'en', extra: 1 },
      { type: 'locale', locale: 'en' },
      'locale en',
      { protocol: 'bankid-portal/1', type: 'handback', code: 'A'.repeat(43) },
    ]) w.postMessage(m, target);
  });
  // From an origin no bank allows: a window it opened reaches the frame through window.opener.
  await onForeignOrigin(`<!doctype html><title>sending</title><script>
      const w = window.opener.frames[0];
      w.postMessage({ protocol: 'bankid-portal/1', type: 'locale', locale: 'en' }, '*');
      w.postMessage({ protocol: 'bankid-portal/1', type: 'handback', code: '${'B'.repeat(43)}' }, '*');
      document.title = 'sent';
    </script>`, async (origin) => {
    const popupPromise = page.waitForEvent('popup');
    await page.evaluate((url) => window.open(url, 'foreign'), `${origin}/`);
    const popup = await popupPromise;
    await expect(popup).toHaveTitle('sent');
    await popup.close();
  });
  await page.waitForTimeout(500);
  expect(await lang()).toBe('ru');
  expect(handbacks).toEqual([]);
  // The same channel does work for a well-formed message from the bank page.
  await page.locator('#bp-portal-lang').selectOption('en');
  await expect.poll(lang).toBe('en');
});

test('every embedded page passes axe in 360 px and 1280 px frames', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'sets its own frame widths');
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width: width + 80, height: 900 });
    const frame = await openBankPage(page);
    await page.locator('#bp-portal-frame').evaluate((e, w) => { e.style.width = `${w}px`; e.style.maxWidth = 'none'; }, width);
    await expectAccessible(page, `embed at ${width}px: phone`);
    // A field error is shown accessibly too.
    await frame.getByRole('textbox').fill('12');
    // Keyboard activation: right after a viewport change a click can land on the iframe element.
    await frame.locator('form button[type=submit]').press('Enter');
    await expect(frame.getByRole('alert').first()).toBeVisible();
    await expectAccessible(page, `embed at ${width}px: phone error`);
    await phoneAndConsent(page, frame, { keys: true });
    await expectAccessible(page, `embed at ${width}px: consent`);
    const popupPromise = page.waitForEvent('popup');
    await frame.locator('form button[type=submit]').press('Enter');
    const popup = await popupPromise;
    await expectAccessible(page, `embed at ${width}px: waiting for the bank`);
    await signInAtBank(popup, 'ivanov');
    await expectPendingStatus(frame);
    await expectAccessible(page, `embed at ${width}px: status`);
  }
});

test('the bank window page explains itself when it cannot reach the frame', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'one viewport is enough');
  // Opened on its own (no opener), with a code: it says where to go and offers to close.
  await page.goto(`${PORTAL}/embed/return#code=${'C'.repeat(43)}`);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  // The code does not stay in the address bar.
  await expect(page).toHaveURL(`${PORTAL}/embed/return`);
  await expectAccessible(page, 'embed return page');
});
