// Flow 1 end to end: bank selector → phone → consent → sandbox bank → status page, in a real
// Chromium, with an axe scan of every page on the way.
const { test, expect, expectAccessible, signInAtBank, chooseLanguage } = require('./fixtures');

async function chooseBankAndPhone(page, bankName, phone) {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: bankName })).toBeVisible();
  await expectAccessible(page, 'bank selector');
  await page.getByRole('link', { name: bankName }).click();

  const phoneField = page.getByRole('textbox');
  await expect(phoneField).toBeVisible();
  await expectAccessible(page, 'phone step');
  await phoneField.fill(phone);
  await page.getByRole('button').filter({ hasText: /continue|продолжить|продовжити/i }).click();
}

async function consentAndGoToBank(page) {
  const box = page.getByRole('checkbox');
  await expect(box).toBeVisible();
  await expectAccessible(page, 'consent step');
  await box.check();
  await page.locator('form button[type=submit]').click();
}

test('a citizen registers through a sandbox bank and sees the pending status', async ({ page }) => {
  await chooseBankAndPhone(page, /Sberbank/, '8 (916) 123-45-67');
  await expect(page).toHaveURL(/\/register\/sber\/consent$/);
  // Exactly the requested data is listed before anything is sent.
  for (const field of ['Full name', 'Date of birth', 'Passport', 'INN', 'SNILS', 'Mobile phone', 'Email']) {
    await expect(page.locator('main')).toContainText(field);
  }
  await consentAndGoToBank(page);

  await signInAtBank(page, 'ivanov');

  await expect(page).toHaveURL(/\/registration\/[A-Za-z0-9_-]+$/);
  const badge = page.locator('[data-state]');
  await expect(badge).toHaveAttribute('data-state', 'pending_confirmation');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.locator('main')).toContainText(/R-\d{4}-\d{6}/);
  await expectAccessible(page, 'status (pending)');
});

test('a customer without recent transactions is rejected with the reason and a trace id', async ({ page }) => {
  await chooseBankAndPhone(page, /Sberbank/, '+7 916 123-00-01');
  await consentAndGoToBank(page);
  await signInAtBank(page, 'dormant');

  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'rejected');
  await expect(page.locator('main')).toContainText('no transactions');
  await expect(page.locator('.bp-trace-id').first()).not.toBeEmpty();
  await expectAccessible(page, 'status (rejected)');
});

test('a citizen who cancels at the bank is told nothing was shared', async ({ page }) => {
  await chooseBankAndPhone(page, /Sberbank/, '+79161234567');
  await consentAndGoToBank(page);
  await signInAtBank(page, 'ivanov', { decision: 'deny' });
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'failed');
  await expect(page.locator('main')).toContainText('cancelled');
  await expectAccessible(page, 'status (cancelled)');
});

test('the phone is validated in the browser before anything is sent', async ({ page }) => {
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
  await chooseBankAndPhone(page, /Sberbank/, '12345');
  const summary = page.getByRole('alert');
  await expect(summary).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.getByRole('textbox')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'phone step with an error');
  // The summary's link moves focus to the field.
  await summary.getByRole('link').first().click();
  await expect(page.getByRole('textbox')).toBeFocused();
  // The answer is kept.
  await expect(page.getByRole('textbox')).toHaveValue('12345');
  expect(posts).toEqual([]);
});

test('a consent must be given before the bank is contacted', async ({ page }) => {
  await chooseBankAndPhone(page, /Sberbank/, '+79161234567');
  await expect(page.getByRole('checkbox')).toBeVisible();
  await page.locator('form button[type=submit]').click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/consent$/);
  await expectAccessible(page, 'consent step with an error');
});

test('an unavailable bank is shown but cannot be chosen', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('main')).toContainText('Otkritie');
  await expect(page.getByRole('link', { name: /Otkritie/ })).toHaveCount(0);
});

test('the interface speaks Russian and Ukrainian', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('link', { name: /Sberbank/ })).toBeVisible();
  for (const [label, lang, bank] of [['Русский', 'ru', 'Сбербанк'], ['Українська', 'uk', 'ПриватБанк']]) {
    await chooseLanguage(page, label);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.getByRole('link', { name: new RegExp(bank) })).toBeVisible();
    await expectAccessible(page, `bank selector (${lang})`);
  }
});

test('the return page explains an unusable bank answer', async ({ page }) => {
  await page.goto('/auth/callback?state=forged&code=x');
  await expect(page).toHaveURL(/\/return\?error=AUTH_STATE_INVALID/);
  await expect(page.locator('.bp-trace-id').first()).not.toBeEmpty();
  await expectAccessible(page, 'return page');
});
