// Screenshots of every page of the registration flow at phone and desktop width, for people to
// look at: `node screenshots.js [outdir]` with PORTAL_URL pointing at a running portal.
const { chromium } = require('@playwright/test');

const base = process.env.PORTAL_URL || 'http://127.0.0.1:8080';
const out = process.argv[2] || 'screenshots';
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function flow(browser, width, locale, tag) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale });
  const page = await ctx.newPage();
  const shot = async (name) => page.screenshot({ path: `${out}/${tag}-${width}-${name}.png`, fullPage: true });
  await page.goto(`${base}/`);
  await page.locator('a[href="/register/sber"]').waitFor();
  await shot('1-banks');
  await page.locator('a[href="/register/sber"]').click();
  await page.getByRole('textbox').fill('12');
  await page.locator('form button[type=submit]').click();
  await page.getByRole('alert').waitFor();
  await shot('2-phone-error');
  await page.getByRole('textbox').fill('+7 916 123-45-67');
  await page.locator('form button[type=submit]').click();
  await page.getByRole('checkbox').waitFor();
  await shot('3-consent');
  await page.getByRole('checkbox').check();
  await page.locator('form button[type=submit]').click();
  await page.locator('#login').waitFor();
  await shot('4-bank-login');
  await page.locator('#login').fill(tag === 'rejected' ? 'dormant' : 'ivanov');
  await page.locator('#password').fill('sandbox');
  await page.locator('form button[type=submit]').first().click();
  const code = (await page.locator('#sandbox-sms-code').textContent()).trim();
  await shot('5-bank-otp');
  await page.locator('#otp').fill(code);
  await page.locator('form button[type=submit]').first().click();
  await page.locator('button[value=allow]').waitFor();
  await shot('6-bank-consent');
  await page.locator('button[value=allow]').click();
  await page.locator('[data-state]').waitFor();
  await page.waitForTimeout(300);
  await shot('7-status');
  if (tag !== 'rejected') await accountPages(page, shot);
  await ctx.close();
}

/** The signed-in pages, after the registration above (Russian). */
async function accountPages(page, shot) {
  const visit = async (path, name, ready) => {
    await page.goto(`${base}${path}`);
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(300);
    await shot(name);
  };
  await visit('/account/activate', '8-activate', 'h1');
  await visit('/account/security', '9-security', '[data-totp]');
  await page.locator('[data-totp] ~ * button, .bp-button').first().click();
  await page.locator('.bp-qr').waitFor();
  await shot('10-security-enrol');
  await visit('/account/banks', '11-banks', '[data-testid=linked-banks]');
  await visit('/account/banks/change/sber', '12-change-choose', '.bp-bank-list');
  await visit('/account/banks/change/sber/vtb', '13-change-consent', 'form');
  await page.locator('form button[type=submit]').click();
  await page.getByRole('alert').waitFor();
  await shot('14-change-consent-error');
  // One bank: its consent stays, and the page says why.
  await visit('/account/consents', '15-consents', '[data-testid=withdraw-last-bank]');
  await visit('/account/banks/remove/sber', '17-remove-last', '.bp-problem');
}

(async () => {
  require('fs').mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  for (const width of [390, 1280]) {
    await flow(browser, width, 'ru-RU', 'ru');
  }
  await flow(browser, 390, 'en-GB', 'rejected');
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
