// Flows 3–6 end to end: register → status → activate with the code from the sandbox inbox →
// turn on two-factor protection (TOTP computed here) → sign out → sign in through the bank →
// second factor → status. Axe on every page visited.
const { test, expect, expectAccessible, signInAtBank, accountNav, totp } = require('./fixtures');

/** With SHOTS=dir, a full-page screenshot for people to look at. */
async function shot(page, info, name) {
  if (process.env.SHOTS) {
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${process.env.SHOTS}/${info.project.name}-${name}.png`, fullPage: true });
  }
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);

/** A code of a step after `usedStep` (the server refuses a step twice). */
async function freshCode(page, secret, usedStep) {
  while (currentStep() <= usedStep) await page.waitForTimeout(500);
  const step = currentStep();
  return { code: totp(secret, step), step };
}

// Each project registers its own citizen: the database is shared by the desktop and phone runs,
// and register.spec.js expects `ivanov` to stay pending, so he is not activated here.
// `otherphone` is a normal adult whose bank phone is +79035550000 (typed here as it is).
const citizens = {
  desktop: { bank: /Sberbank/, bankId: 'sber', login: 'otherphone', phone: '+79035550000' },
  phone: { bank: /PrivatBank/, bankId: 'privatbank', login: 'kovalenko', phone: '+380671234567' },
};

test('register, activate by phone, turn on two-factor, sign out and sign in again', async ({ page }, info) => {
  test.setTimeout(180_000);
  const who = citizens[info.project.name] || citizens.desktop;

  // Register (flow 1).
  await page.goto('/');
  await expect(page.getByRole('link', { name: /Already registered/ })).toBeVisible();
  await page.getByRole('link', { name: who.bank }).click();
  await page.getByRole('textbox').fill(who.phone);
  await page.locator('form button[type=submit]').click();
  await page.getByRole('checkbox').check();
  await page.locator('form button[type=submit]').click();
  await signInAtBank(page, who.login);

  // Status: pending, with the call to action.
  await expect(page).toHaveURL(/\/registration\/[A-Za-z0-9_-]+$/);
  const statusUrl = page.url();
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'pending_confirmation');
  // The next step is the citizen's (activation), not the bank's: nothing to check again.
  await expect(page.getByRole('button', { name: 'Check again' })).toHaveCount(0);
  const nav = page.getByRole('navigation', { name: 'Your account' });
  await expect(nav).toContainText('Signed in as');
  if (info.project.name === 'phone') {
    // On a phone the account links fold under "Menu".
    const menu = nav.getByRole('button', { name: 'Menu' });
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(nav.getByRole('link', { name: 'Security' })).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    await expect(nav.getByRole('link', { name: 'Security' })).toBeVisible();
    await expectAccessible(page, 'status with the menu open');
    await shot(page, info, '1-menu-open');
    await menu.click();
    await expect(nav.getByRole('link', { name: 'Security' })).toBeHidden();
  } else {
    await expect(nav.getByRole('button', { name: 'Menu' })).toBeHidden();
    await expect(nav.getByRole('link', { name: 'Security' })).toBeVisible();
  }
  await expectAccessible(page, 'status (pending, signed in)');
  await shot(page, info, '1-status-pending');
  await page.getByRole('link', { name: 'Activate your account' }).click();

  // Activate by phone.
  await expect(page).toHaveURL(/\/account\/activate$/);
  await expect(page.getByRole('radio', { name: /text message/ })).toBeChecked();
  await expectAccessible(page, 'activate: choose channel');
  // A wrong-format code is caught before anything is sent.
  await page.getByRole('button', { name: 'Send code' }).click();
  const codeBox = page.getByRole('textbox', { name: 'Enter the code' });
  await expect(codeBox).toBeVisible();
  await expect(codeBox).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(codeBox).toHaveAttribute('inputmode', 'numeric');
  await expect(page.getByRole('button', { name: 'Send a new code' })).toBeDisabled();
  await expect(page.locator('#resend-wait')).toContainText(/seconds/);
  await expect(page.getByRole('link', { name: /sandbox inbox/ })).toBeVisible();
  await codeBox.fill('12');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(codeBox).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, 'activate: code with an error');
  await shot(page, info, '2-activate-error');

  // The code, from the sandbox inbox opened in another tab (as a citizen would read their SMS).
  const inboxTab = await page.context().newPage();
  await inboxTab.goto('/dev/inbox');
  await expect(inboxTab.getByRole('heading', { level: 1, name: 'Sandbox inbox' })).toBeVisible();
  await expect(inboxTab.locator('.bp-inbox__item').first()).toContainText(who.phone.slice(-2));
  await expectAccessible(inboxTab, 'dev inbox');
  await shot(inboxTab, info, '3-inbox');
  const body = await inboxTab.locator('.bp-inbox__body').first().textContent();
  await inboxTab.close();
  const code = body.match(/\b(\d{6})\b/)[1];
  // The status page open in another tab follows the change by itself (polling, no reload).
  const statusTab = await page.context().newPage();
  await statusTab.goto(statusUrl);
  await expect(statusTab.locator('[data-state]')).toHaveAttribute('data-state', 'pending_confirmation');
  await statusTab.evaluate(() => { window.__notReloaded = true; });
  await codeBox.fill(code);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'active');
  await expect(statusTab.locator('[data-state]')).toHaveAttribute('data-state', 'active', { timeout: 20_000 });
  expect(await statusTab.evaluate(() => window.__notReloaded)).toBe(true);
  await statusTab.close();
  await expectAccessible(page, 'status (active)');

  // Two-factor protection.
  await (await accountNav(page)).getByRole('link', { name: 'Security' }).click();
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'off');
  await expectAccessible(page, 'security (off)');
  await page.getByRole('button', { name: 'Turn on' }).click();
  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  expect(await page.locator('svg.bp-qr [style], svg.bp-qr[style]').count()).toBe(0);
  const secret = await page.locator('[data-secret]').getAttribute('data-secret');
  await expect(page.locator('.bp-secret__value')).toHaveText(secret.match(/.{1,4}/g).join(' '));
  await expectAccessible(page, 'security: enrolment');
  await shot(page, info, '4-enrol');
  let used = await freshCode(page, secret, -1);
  await page.getByRole('textbox', { name: 'Enter the code' }).fill(used.code);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('heading', { name: 'Your backup codes' })).toBeVisible();
  await expect(page.locator('.bp-backup-codes li')).toHaveCount(10);
  const firstCodes = (await page.locator('.bp-backup-codes li').allTextContents()).map((c) => c.trim());
  const download = page.getByRole('link', { name: 'Download as a text file' });
  await expect(download).toHaveAttribute('href', /^blob:/);
  await expectAccessible(page, 'security: backup codes');
  await shot(page, info, '5-backup');
  // The box must be ticked before going on.
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await page.getByRole('checkbox', { name: 'I have saved my backup codes' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'on');
  await expectAccessible(page, 'security (on)');
  await shot(page, info, '6-security-on');

  // Sign out, then sign in again through the bank.
  await (await accountNav(page)).getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('link', { name: /Already registered/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in through your bank' })).toBeVisible();
  await expectAccessible(page, 'sign in');
  await shot(page, info, '7-signin');
  await page.getByRole('button', { name: who.bank }).click();
  await signInAtBank(page, who.login);

  await expect(page).toHaveURL(/\/signin\/second-factor$/);
  await expectAccessible(page, 'second factor');
  await shot(page, info, '8-second-factor');
  used = await freshCode(page, secret, used.step);
  await page.getByRole('textbox', { name: /Code from your app/ }).fill(used.code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(statusUrl);
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'active');
  await expect(page.getByRole('navigation', { name: 'Your account' })).toContainText('Signed in as');

  // New backup codes (with a backup code), which replace the old ones; then turn two-factor off.
  await (await accountNav(page)).getByRole('link', { name: 'Security' }).click();
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'on');
  await page.getByRole('button', { name: 'Get new backup codes' }).click();
  await page.getByRole('textbox', { name: /Code from your app/ }).fill(firstCodes[0]);
  await expectAccessible(page, 'security: new backup codes');
  await page.getByRole('button', { name: 'Get new backup codes' }).click();
  await expect(page.getByRole('heading', { name: 'Your backup codes' })).toBeVisible();
  const newCodes = (await page.locator('.bp-backup-codes li').allTextContents()).map((c) => c.trim());
  expect(newCodes).toHaveLength(10);
  expect(newCodes.filter((c) => firstCodes.includes(c))).toEqual([]);
  await page.getByRole('checkbox', { name: 'I have saved my backup codes' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Turn off' }).click();
  // An old backup code no longer works.
  await page.getByRole('textbox', { name: /Code from your app/ }).fill(firstCodes[1]);
  await page.getByRole('button', { name: 'Turn off' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectAccessible(page, 'security: turn off with an error');
  await page.getByRole('textbox', { name: /Code from your app/ }).fill(newCodes[0]);
  await page.getByRole('button', { name: 'Turn off' }).click();
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'off');
  await expectAccessible(page, 'security (off again)');
});

test('the dev inbox and the account pages explain themselves when signed out', async ({ page }) => {
  await page.goto('/account/security');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to continue' })).toBeVisible();
  await expectAccessible(page, 'security (signed out)');
  await page.goto('/signin/second-factor');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectAccessible(page, 'second factor with an error');
});
