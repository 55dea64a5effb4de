// Re-authentication in the browser. Changing the bank links needs a recent bank sign-in; this runs
// against the second portal of scripts/test.sh (REAUTH_PORTAL_URL), which counts a sign-in as
// recent for 8 s instead of 10 min. The citizen lets it go stale, is asked to confirm with their
// bank, signs in there again, comes back to the very page that asked, and finishes the change.
const { test, expect, expectAccessible, signInAtBank, registerThrough } = require('./fixtures');

const portal = process.env.REAUTH_PORTAL_URL;
// Longer than the portal's recent_auth_seconds (8).
const STALE_MS = 9_000;

// The database of this portal is shared by both projects: one citizen each.
const citizens = {
  desktop: {
    login: 'kovalenko', phone: '+380671234567',
    first: { id: 'privatbank', name: 'PrivatBank' },
    second: { id: 'monobank', name: 'monobank' },
  },
  phone: {
    login: 'ivanov', phone: '+79161234567',
    first: { id: 'sber', name: 'Sberbank' },
    second: { id: 'vtb', name: 'VTB' },
  },
};

const exact = (s) => new RegExp(`^${s}$`);

test.use({ baseURL: portal });

test('a change after the sign-in went stale asks to confirm with the bank and comes back to finish', async ({ page }, info) => {
  expect(portal, 'REAUTH_PORTAL_URL (set by scripts/test.sh)').toBeTruthy();
  test.setTimeout(120_000);
  const who = citizens[info.project.name] || citizens.desktop;

  // Register through the first bank: signed in, just now.
  await registerThrough(page, who.first.name, who.phone, who.login);

  // Adding a bank once the sign-in is stale: the consent page says why and offers the bank.
  await page.waitForTimeout(STALE_MS);
  await page.goto(`/account/banks/add/${who.second.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Consent to share your data' })).toBeVisible();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: `Continue to ${who.second.name}` }).click();
  await expect(page.getByText('This needs a recent sign-in through your bank.').first()).toBeVisible();
  const confirm = page.getByTestId('reauth');
  await expect(confirm).toHaveText(`Confirm with ${who.first.name}`);
  await expectAccessible(page, 'consent: sign in again');
  // Nothing was sent to the new bank.
  await expect(page).toHaveURL(new RegExp(`/account/banks/add/${who.second.id}$`));

  // Through the bank again, back to the same consent page, and this time the change goes on.
  await confirm.click();
  await signInAtBank(page, who.login);
  await expect(page).toHaveURL(new RegExp(`/account/banks/add/${who.second.id}$`));
  await expect(page.getByTestId('reauth')).toHaveCount(0);
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: `Continue to ${who.second.name}` }).click();
  await signInAtBank(page, who.login);
  await expect(page).toHaveURL(/\/account\/banks(\?.*)?$/);
  await expect(page.getByTestId('banks-done')).toContainText(`${who.second.name} is linked`);
  const list = page.getByTestId('linked-banks');
  await expect(list.locator('[data-bank]')).toHaveCount(2);

  // Removing a bank once stale: the confirmation page asks too, and removal is not done.
  await page.waitForTimeout(STALE_MS);
  await page.getByRole('link', { name: `Remove ${who.second.name}` }).click();
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(page.getByTestId('reauth')).toBeVisible();
  await expect(page.getByRole('alert').first()).toContainText('This needs a recent sign-in through your bank.');
  await expectAccessible(page, 'remove: sign in again');
  // The most recently used bank is offered: the one the citizen just linked.
  await expect(page.getByTestId('reauth')).toHaveText(`Confirm with ${who.second.name}`);
  await page.goto('/account/banks');
  await expect(list.locator('[data-bank]')).toHaveCount(2);

  await page.goto(`/account/banks/remove/${who.second.id}`);
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await page.getByTestId('reauth').click();
  await signInAtBank(page, who.login);
  await expect(page).toHaveURL(new RegExp(`/account/banks/remove/${who.second.id}$`));
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(page.getByTestId('banks-done')).toContainText(`${who.second.name} is removed`);
  await expect(list.locator('[data-bank]')).toHaveCount(1);
  await expect(list.locator(`[data-bank=${who.first.id}]`)).toBeVisible();
});
