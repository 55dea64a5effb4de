// Flows 7–8 end to end: register → linked banks → change bank (consent → the new bank's own
// authentication → same person) → a bank that presents another person changes nothing → add a
// bank, remove it after a confirmation → the consent ledger (the only bank's consent stays) → add
// the bank again → withdraw a consent → the status
// journal shows it → the retired bank and the withdrawn bank no longer sign in. Axe on every page.
const { test, expect, expectAccessible, signInAtBank, accountNav, registerThrough } = require('./fixtures');

/** With SHOTS=dir, a full-page screenshot for people to look at. */
async function shot(page, info, name) {
  if (process.env.SHOTS) {
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${process.env.SHOTS}/${info.project.name}-banks-${name}.png`, fullPage: true });
  }
}

// One citizen per project (the database is shared by both runs), each used by this file only.
// `stranger` is another customer of the third bank: a different person.
const citizens = {
  desktop: {
    login: 'petrenko', phone: '+380501234567',
    first: { id: 'privatbank', name: 'PrivatBank' },
    second: { id: 'monobank', name: 'monobank' },
    third: { id: 'oschadbank', name: 'Oschadbank' },
    stranger: 'kovalenko',
  },
  phone: {
    login: 'smirnova', phone: '+79161230005',
    first: { id: 'sber', name: 'Sberbank' },
    second: { id: 'vtb', name: 'VTB' },
    third: { id: 'alfa', name: 'Alfa-Bank' },
    stranger: 'ivanov',
  },
};

const exact = (s) => new RegExp(`^${s}$`);

/** From the linked banks page: choose `bank`, accept the consent, go through the bank as `login`. */
async function linkThrough(page, bank, login, label, { decision = 'allow' } = {}) {
  await expectAccessible(page, `${label}: choose the bank`);
  await page.getByRole('button', { name: exact(bank.name) }).click();
  await expect(page).toHaveURL(new RegExp(`/${bank.id}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Consent to share your data' })).toBeVisible();
  await expectAccessible(page, `${label}: consent`);
  // The consent is required before the bank is contacted.
  await page.getByRole('button', { name: `Continue to ${bank.name}` }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: `Continue to ${bank.name}` }).click();
  await signInAtBank(page, login, { decision });
  await expect(page).toHaveURL(/\/account\/banks(\?.*)?$/);
}

test('change bank, refuse another person, add and remove a bank, withdraw a consent', async ({ page }, info) => {
  test.setTimeout(240_000);
  const who = citizens[info.project.name] || citizens.desktop;

  // Register through the first bank; the citizen is signed in on the status page.
  await registerThrough(page, who.first.name, who.phone, who.login);
  const statusUrl = page.url();

  // The linked banks page: one bank, which can be changed but not removed.
  await (await accountNav(page)).getByRole('link', { name: 'Banks' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Your banks' })).toBeVisible();
  const list = page.getByTestId('linked-banks');
  await expect(list.locator('[data-bank]')).toHaveCount(1);
  await expect(list.locator(`[data-bank=${who.first.id}]`)).toContainText('Linked');
  await expect(list.locator(`[data-bank=${who.first.id}]`)).toContainText('Last used');
  await expect(page.getByRole('link', { name: /^Remove/ })).toHaveCount(0);
  await expect(page.getByText('This is your only bank')).toBeVisible();
  await expectAccessible(page, 'linked banks (one)');
  await shot(page, info, '1-one-bank');
  // No card number, expiry or CVV is ever asked for.
  expect(await page.locator('input').count()).toBe(0);

  // Change bank: first → second, as one operation.
  await page.getByRole('link', { name: `Change bank ${who.first.name}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Which bank should replace ${who.first.name}?` })).toBeVisible();
  await expect(page.getByRole('button', { name: exact(who.first.name) })).toHaveCount(0);
  await shot(page, info, '2-choose');
  await linkThrough(page, who.second, who.login, 'change');
  await expect(page.getByTestId('banks-done')).toContainText(`you now sign in through ${who.second.name}, and ${who.first.name} is removed`);
  await expect(list.locator('[data-bank]')).toHaveCount(1);
  await expect(list.locator(`[data-bank=${who.second.id}]`)).toBeVisible();
  await expectAccessible(page, 'linked banks after the change');
  await shot(page, info, '3-changed');

  // A bank that presents another person: nothing changes, and the page says why.
  await page.getByRole('link', { name: 'Add another bank' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Which bank do you want to add?' })).toBeVisible();
  await linkThrough(page, who.third, who.stranger, 'another person');
  await expect(page).toHaveURL(/\?error=LINK_PERSON_MISMATCH&trace_id=/);
  await expect(page.getByTestId('link-error')).toBeVisible();
  await expect(page.getByTestId('link-error').locator('.bp-trace-id')).not.toBeEmpty();
  await expect(page.getByTestId('banks-done')).toHaveCount(0);
  await expect(list.locator('[data-bank]')).toHaveCount(1);
  await expectAccessible(page, 'linked banks: another person');
  await shot(page, info, '4-mismatch');

  // A cancelled bank login changes nothing either.
  await page.getByRole('link', { name: 'Add another bank' }).click();
  await linkThrough(page, who.third, who.login, 'cancelled', { decision: 'deny' });
  await expect(page).toHaveURL(/\?error=[A-Z_]+&trace_id=/);
  await expect(page.getByTestId('link-error')).toBeVisible();
  await expect(list.locator('[data-bank]')).toHaveCount(1);

  // Add the third bank (same person), then remove it after a confirmation.
  await page.getByRole('link', { name: 'Add another bank' }).click();
  await linkThrough(page, who.third, who.login, 'add');
  await expect(page.getByTestId('banks-done')).toContainText(`${who.third.name} is linked`);
  await expect(list.locator('[data-bank]')).toHaveCount(2);
  await expectAccessible(page, 'linked banks (two)');
  await page.getByRole('link', { name: `Remove ${who.third.name}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Remove ${who.third.name}?` })).toBeVisible();
  await expectAccessible(page, 'remove: confirmation');
  await shot(page, info, '5-remove');
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(page.getByTestId('banks-done')).toContainText(`${who.third.name} is removed`);
  await expect(list.locator('[data-bank]')).toHaveCount(1);
  // The last bank cannot be removed: the page says so and offers no button.
  await page.goto(`/account/banks/remove/${who.second.id}`);
  await expect(page.getByText('LINK_LAST_BANK').or(page.locator('.bp-problem'))).toBeVisible();
  await expect(page.getByRole('button', { name: 'Yes, remove it' })).toHaveCount(0);
  await expectAccessible(page, 'remove: last bank');

  // The consent ledger: every transfer, newest first; withdraw the second bank's consent.
  await page.goto('/account/banks');
  await page.getByRole('link', { name: 'Consents to share data' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Consents to share data' })).toBeVisible();
  const ledger = page.getByTestId('ledger');
  await expect(ledger.locator('[data-outcome=account]')).toHaveCount(1);
  await expect(ledger.locator('[data-outcome=linked]')).toHaveCount(2);
  await expect(ledger.locator('[data-consent]').first()).toContainText('Bank linked');
  // The registration bank was changed away from: its consent is no longer in use.
  await expect(ledger.locator('[data-outcome=account]')).toContainText('Bank removed');
  await expect(ledger.locator('[data-outcome=linked]').filter({ hasText: who.third.name })).toContainText('Bank removed');
  // The consent in force is the only bank's: withdrawing it would lock the citizen out, so the
  // page offers no button and says how to go on.
  await expect(ledger.locator('[data-outcome=linked]').filter({ hasText: who.second.name })).toContainText('In force');
  await expect(ledger.getByTestId('withdraw')).toHaveCount(0);
  await expect(ledger.getByTestId('withdraw-last-bank')).toContainText('once another bank is linked');
  await expectAccessible(page, 'consents');
  await shot(page, info, '6-ledger');
  // With the third bank linked again, the second bank's consent can be withdrawn.
  await ledger.getByRole('link', { name: 'Add another bank' }).click();
  await linkThrough(page, who.third, who.login, 'add again');
  await expect(page.getByTestId('banks-done')).toContainText(`${who.third.name} is linked`);
  await page.getByRole('link', { name: 'Consents to share data' }).click();
  await expect(ledger.getByTestId('withdraw')).toHaveCount(2);
  await expect(ledger.getByTestId('withdraw-last-bank')).toHaveCount(0);
  const active = ledger.locator('[data-outcome=linked][data-withdrawn=false]').filter({ hasText: who.second.name });
  await active.getByTestId('withdraw').click();
  await expect(active.getByRole('group', { name: 'Withdraw this consent?' })).toBeVisible();
  await expectAccessible(page, 'consents: confirm withdrawal');
  await shot(page, info, '7-withdraw');
  await active.getByTestId('withdraw-confirm').click();
  await expect(page.locator('#withdrawn')).toBeFocused();
  await expect(ledger.locator('[data-consent]').first()).toHaveAttribute('data-outcome', 'withdrawn');
  await expect(ledger.locator(`[data-outcome=linked][data-withdrawn=true]`).filter({ hasText: who.second.name })).toHaveCount(1);
  // Now the third bank is the only way in: its consent stays.
  await expect(ledger.getByTestId('withdraw')).toHaveCount(0);
  await expect(ledger.getByTestId('withdraw-last-bank')).toBeVisible();
  await expectAccessible(page, 'consents after the withdrawal');

  // The status page's journal shows the withdrawal.
  await page.goto(statusUrl);
  await expect(page.locator('.bp-journal')).toContainText('Consent withdrawn');

  // Signed out, neither the retired bank nor the withdrawn one reaches the account.
  await (await accountNav(page)).getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  for (const [bank, code] of [[who.first, 'AUTH_BANK_NOT_LINKED'], [who.second, 'CONSENT_WITHDRAWN']]) {
    await page.goto('/signin');
    await page.getByRole('button', { name: exact(bank.name) }).click();
    await signInAtBank(page, who.login);
    await expect(page).toHaveURL(new RegExp(`/return\\?error=${code}&trace_id=`));
  }
  await expectAccessible(page, 'return page: consent withdrawn');
});

test('the linked banks and consents pages ask to sign in when signed out', async ({ page }) => {
  for (const path of ['/account/banks', '/account/banks/add', '/account/consents']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to continue' })).toBeVisible();
    await expectAccessible(page, `${path} (signed out)`);
  }
});
