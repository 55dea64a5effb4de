// Shared steps: accessibility scan of every page visited, and the sandbox bank's pages.
const crypto = require('crypto');
const { test: plain, expect } = require('@playwright/test');
const { AxeBuilder } = require('@axe-core/playwright');

/**
 * Waits until the app has taken over the page from the first view the server wrote into it
 * (`#bp-shell`: the header and heading, whose buttons do nothing until the app runs).
 */
async function appReady(page) {
  await page.waitForFunction(() => !document.getElementById('bp-shell'), null, { timeout: 20_000 });
}

/** Playwright's `test` whose `page.goto` returns once the app has taken over (`firstViewGoto` does not wait). */
const base = plain.extend({
  page: async ({ page }, use) => {
    const goto = page.goto.bind(page);
    page.firstViewGoto = goto;
    page.goto = async (url, options) => {
      const response = await goto(url, options);
      await appReady(page);
      return response;
    };
    await use(page);
  },
});

async function expectAccessible(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe violations on ${label} (${page.url()})`).toEqual([]);
}

/** The sandbox bank: login + password, the one-time code it shows, then its consent page. */
async function signInAtBank(page, login, { decision = 'allow' } = {}) {
  await expect(page.locator('#login')).toBeVisible();
  await expectAccessible(page, 'bank login');
  await page.locator('#login').fill(login);
  await page.locator('#password').fill('sandbox');
  await page.locator('form button[type=submit]').first().click();
  const code = await page.locator('#sandbox-sms-code').textContent();
  await expectAccessible(page, 'bank one-time code');
  await page.locator('#otp').fill(code.trim());
  await page.locator('form button[type=submit]').first().click();
  await expect(page.locator(`button[value=${decision}]`)).toBeVisible();
  await expectAccessible(page, 'bank consent');
  await page.locator(`button[value=${decision}]`).click();
}

/** Registers through `bankName` (its link on the bank list) as `login`: ends signed in on the status page. */
async function registerThrough(page, bankName, phone, login) {
  await page.goto('/');
  await page.getByRole('link', { name: new RegExp(`^${bankName}$`) }).click();
  await page.getByRole('textbox').fill(phone);
  await page.locator('form button[type=submit]').click();
  await page.getByRole('checkbox').check();
  await page.locator('form button[type=submit]').click();
  await signInAtBank(page, login);
  await expect(page).toHaveURL(/\/registration\/[A-Za-z0-9_-]+$/);
  await appReady(page);
}

/** The account navigation of a signed-in page, opened first where it folds under "Menu" (phones). */
async function accountNav(page) {
  await appReady(page);
  const nav = page.getByRole('navigation', { name: 'Your account' });
  await expect(nav).toContainText('Signed in as');
  const toggle = nav.getByRole('button', { name: 'Menu' });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  }
  return nav;
}

/** Switches the interface to the language named `name` (in itself: 'Українська'), opening the
 *  language list first where it folds under one button (phones). */
async function chooseLanguage(page, name) {
  const toggle = page.locator('.bp-lang__toggle');
  if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
  }
  await page.locator('.bp-lang').getByRole('button', { name, exact: true }).click();
}

/* Authenticator codes (the sandbox's TOTP secrets are base32). */
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238: SHA-1, 30 s steps, 6 digits. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

module.exports = {
  test: base, expect, appReady, expectAccessible, signInAtBank, accountNav, registerThrough, chooseLanguage, totp,
};
