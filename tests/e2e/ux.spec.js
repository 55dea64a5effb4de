// What a citizen trips over (issue #13): keyboard focus goes where the citizen goes next when the
// control just used disappears; every control is a tap target of at least 44×44 CSS px; the
// backup codes' numbers stay inside their box; the phone step refuses, in the browser, a number of
// another country than the bank's; a reload of the consent step keeps the phone; the status page
// offers "Check again" only while the bank has the next step and folds the trace id away.
const { test, expect, expectAccessible, signInAtBank, accountNav, registerThrough, chooseLanguage, totp } = require('./fixtures');

// One citizen per project (the database is shared by both runs), each used by this file only.
const citizens = {
  desktop: { login: 'orlova', phone: '+79161230006', bank: 'Sberbank', other: { id: 'alfa', name: 'Alfa-Bank' } },
  phone: { login: 'volkov', phone: '+79161230007', bank: 'VTB', other: { id: 'gazprombank', name: 'Gazprombank' } },
};

const exact = (s) => new RegExp(`^${s}$`);

/** The authenticator code of the current 30 s step. */
function totpNow(secret) {
  return totp(secret, Math.floor(Date.now() / 1000 / 30));
}

/**
 * Every visible `a, button, input, select, summary, [role=button]` in `<main>` and `<header>` is
 * at least 44×44 CSS px. Exempt, and only these:
 * - a link inside running text: the paragraph, list item or cell around it has words of its own
 *   besides the link (WCAG 2.5.8 "Inline": its size is set by the line of text it stands in);
 * - what is not rendered (zero size: `display: none`, a folded menu) or `visibility: hidden`.
 * A link standing alone (a paragraph, list item or description of its own, the back link) is not
 * running text and must be a full target.
 */
async function expectTapTargets(page, label) {
  const result = await page.evaluate(() => {
    const small = [];
    const exempt = [];
    let checked = 0;
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
    const inRunningText = (el) => {
      if (el.tagName !== 'A') return false;
      const block = el.closest('p, li, dd, td, th');
      if (!block || block === el) return false;
      const rest = block.textContent.replace(el.textContent, '').replace(/\s+/g, ' ').trim();
      return rest.length > 1;
    };
    for (const root of document.querySelectorAll('main, header')) {
      for (const el of root.querySelectorAll('a, button, input, select, summary, [role=button]')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
        if (inRunningText(el)) {
          exempt.push(name(el));
          continue;
        }
        checked += 1;
        if (r.width < 43.5 || r.height < 43.5) small.push(`${name(el)} ${r.width.toFixed(1)}×${r.height.toFixed(1)}`);
      }
    }
    return { small, exempt, checked };
  });
  expect(result.small, `tap targets under 44×44 px on ${label} (exempt as inline: ${result.exempt.join(', ') || 'none'})`).toEqual([]);
  expect(result.checked, `controls checked on ${label}`).toBeGreaterThan(0);
  if (process.env.UX_DEBUG) console.log(label, result.checked, JSON.stringify(result.exempt));
  return result;
}

/** Focus is on `locator`, and not on `<body>`. */
async function expectFocus(page, locator, what) {
  await expect(locator, `focus on ${what}`).toBeFocused();
  expect(await page.evaluate(() => document.activeElement !== document.body), `focus not on body (${what})`).toBe(true);
}

/** The newest code in the sandbox inbox, read in another tab as a citizen reads an SMS. */
async function inboxCode(page, phone) {
  const inbox = await page.context().newPage();
  await inbox.goto('/dev/inbox');
  await expect(inbox.locator('.bp-inbox__item').first()).toContainText(phone.slice(-2));
  const body = await inbox.locator('.bp-inbox__body').first().textContent();
  await inbox.close();
  return body.match(/\b(\d{6})\b/)[1];
}

test('focus goes where the citizen goes next, and every control is a 44 px target', async ({ page }, info) => {
  test.setTimeout(240_000);
  const who = citizens[info.project.name] || citizens.desktop;

  // Registered and signed in: pending, the next step is the citizen's (activation).
  await registerThrough(page, who.bank, who.phone, who.login);
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'pending_confirmation');
  await expect(page.getByRole('button', { name: 'Check again' })).toHaveCount(0);
  await expect(page.getByTestId('support')).toHaveCount(0);
  await expect(page.locator('.bp-trace-id')).toHaveCount(0);
  await expectTapTargets(page, 'status (pending)');

  // Activation: "Send code" disappears; the code field that appears takes focus.
  await page.getByRole('link', { name: 'Activate your account' }).click();
  await expect(page).toHaveURL(/\/account\/activate$/);
  await expectTapTargets(page, 'activate');
  await page.getByRole('button', { name: 'Send code' }).click();
  const codeBox = page.getByRole('textbox', { name: 'Enter the code' });
  await expectFocus(page, codeBox, 'the code field after "Send code"');
  await expectTapTargets(page, 'activate: code');
  await codeBox.fill(await inboxCode(page, who.phone));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'active');
  await expect(page.getByRole('button', { name: 'Check again' })).toHaveCount(0);
  await expectTapTargets(page, 'status (active)');

  // Two-factor: "Turn on" → the enrolment's heading; "Cancel" → back to "Turn on".
  await (await accountNav(page)).getByRole('link', { name: 'Security' }).click();
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'off');
  await expectTapTargets(page, 'security (off)');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expectFocus(page, page.getByRole('heading', { name: /Scan this QR code/ }), 'the enrolment heading after "Turn on"');
  await expectTapTargets(page, 'security: enrolment');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expectFocus(page, page.getByRole('button', { name: 'Turn on' }), '"Turn on" after "Cancel"');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expectFocus(page, page.getByRole('heading', { name: /Scan this QR code/ }), 'the enrolment heading');
  const secret = await page.locator('[data-secret]').getAttribute('data-secret');
  await page.getByRole('textbox', { name: 'Enter the code' }).fill(totpNow(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  // The backup codes: their heading takes focus; the numbers stay inside the dashed box.
  await expectFocus(page, page.getByRole('heading', { name: 'Your backup codes' }), 'the backup codes heading');
  await expect(page.locator('.bp-backup-codes li')).toHaveCount(10);
  const layout = await page.locator('.bp-backup-codes').evaluate((ol) => {
    const box = ol.getBoundingClientRect();
    const border = parseFloat(getComputedStyle(ol).borderLeftWidth);
    return [...ol.children].map((li, i) => {
      const r = li.getBoundingClientRect();
      return {
        i,
        number: getComputedStyle(li, '::before').content,
        inside: r.left >= box.left + border - 0.5 && r.right <= box.right - border + 0.5,
        marker: getComputedStyle(li).listStyleType,
      };
    });
  });
  for (const item of layout) {
    // The number is drawn inside the item (no marker hanging outside it, over the border).
    expect(item.number, `number of code ${item.i + 1}`).toMatch(/^counter\(/);
    expect(item.marker, `code ${item.i + 1} has no outside marker`).toBe('none');
    expect(item.inside, `code ${item.i + 1} inside the box`).toBe(true);
  }
  const codes = (await page.locator('.bp-backup-codes li').allTextContents()).map((c) => c.trim());
  expect(codes[9]).toMatch(/^[A-Z0-9-]+$/);
  await expectTapTargets(page, 'security: backup codes');
  await page.getByRole('checkbox', { name: 'I have saved my backup codes' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  const state = page.locator('[data-totp]');
  await expectFocus(page, state, 'the two-factor state after "Continue"');
  await expect(state).toHaveAttribute('data-totp', 'on');
  await expectTapTargets(page, 'security (on)');
  // "Get new backup codes" and "Turn off" open a form whose lead takes focus; "Cancel" goes back.
  for (const button of ['Get new backup codes', 'Turn off']) {
    await page.getByRole('button', { name: button }).click();
    await expectFocus(page, page.locator('#mfa-form-lead'), `the form's lead after "${button}"`);
    await expectTapTargets(page, `security: ${button}`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expectFocus(page, page.getByRole('button', { name: button }), `"${button}" after "Cancel"`);
  }
  await page.getByRole('button', { name: 'Turn off' }).click();
  await page.getByRole('textbox', { name: /Code from your app/ }).fill(codes[0]);
  await page.getByRole('button', { name: 'Turn off' }).click();
  await expectFocus(page, state, 'the two-factor state after turning it off');
  await expect(state).toHaveAttribute('data-totp', 'off');

  // Linked banks: add a second bank; back from the bank, the confirmation takes focus.
  await (await accountNav(page)).getByRole('link', { name: 'Banks' }).click();
  await expect(page.getByTestId('linked-banks')).toBeVisible();
  await expectTapTargets(page, 'linked banks (one)');
  await page.getByRole('link', { name: 'Add another bank' }).click();
  await expect(page.getByRole('button', { name: exact(who.other.name) })).toBeVisible();
  await expectTapTargets(page, 'add a bank');
  await page.getByRole('button', { name: exact(who.other.name) }).click();
  await page.getByRole('checkbox').check();
  await expectTapTargets(page, 'link consent');
  await page.getByRole('button', { name: `Continue to ${who.other.name}` }).click();
  await signInAtBank(page, who.login);
  await expect(page).toHaveURL(/\/account\/banks$/);
  await expectFocus(page, page.getByTestId('banks-done'), 'the confirmation after linking a bank');
  await expectTapTargets(page, 'linked banks (two)');

  // Consents: the confirmation takes focus, Tab reaches its buttons, "Cancel" goes back to the
  // button that asked, and the outcome takes focus once withdrawn.
  await (await accountNav(page)).getByRole('link', { name: 'Consents' }).click();
  const ledger = page.getByTestId('ledger');
  await expect(ledger).toBeVisible();
  await expectTapTargets(page, 'consents');
  const withdraw = ledger.getByTestId('withdraw').first();
  const withdrawId = await withdraw.getAttribute('id');
  await withdraw.click();
  const question = ledger.locator('.bp-confirm h3');
  await expectFocus(page, question, 'the withdrawal question');
  await expectTapTargets(page, 'consents: confirmation');
  await page.keyboard.press('Tab');
  await expectFocus(page, ledger.getByTestId('withdraw-confirm'), '"Yes, withdraw it" by Tab');
  await page.keyboard.press('Tab');
  await expectFocus(page, ledger.getByTestId('withdraw-cancel'), '"Cancel" by Tab');
  await page.keyboard.press('Enter');
  await expect(ledger.locator('.bp-confirm')).toHaveCount(0);
  await expectFocus(page, page.locator(`#${withdrawId}`), 'the withdraw button after "Cancel"');
  await page.keyboard.press('Enter');
  await expectFocus(page, question, 'the withdrawal question (keyboard)');
  await ledger.getByTestId('withdraw-confirm').click();
  await expectFocus(page, page.locator('#withdrawn'), 'the outcome after withdrawing');
  await expect(page.locator('#withdrawn')).toContainText('Consent withdrawn');

  // Remove the second bank: "Yes, remove it" leads back to the list, whose confirmation takes focus.
  await (await accountNav(page)).getByRole('link', { name: 'Banks' }).click();
  await page.getByRole('link', { name: `Remove ${who.other.name}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(who.other.name);
  await expectTapTargets(page, 'remove a bank');
  await page.getByRole('button', { name: 'Yes, remove it' }).click();
  await expect(page).toHaveURL(/\/account\/banks$/);
  await expectFocus(page, page.getByTestId('banks-done'), 'the confirmation after removing a bank');
  await expectAccessible(page, 'linked banks after removal');
  // Russian and Ukrainian words are longer or shorter: the targets hold in every language.
  for (const lang of ['Русский', 'Українська']) {
    await chooseLanguage(page, lang);
    await expectTapTargets(page, `linked banks (${lang})`);
  }
  await page.goto('/account/security');
  await expect(page.locator('[data-totp]')).toHaveAttribute('data-totp', 'off');
  await expectTapTargets(page, 'security (Українська)');
  await chooseLanguage(page, 'English');
});

test('the phone step refuses a number of another country than the bank, before sending', async ({ page }) => {
  const starts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/v1/registrations')) starts.push(r.url());
  });
  const phoneStep = async (bank, phone) => {
    await page.goto('/');
    await page.getByRole('link', { name: exact(bank) }).click();
    await page.getByRole('textbox').fill(phone);
    await page.locator('form button[type=submit]').click();
  };
  const refused = async (text) => {
    await expect(page.getByRole('alert')).toContainText(text);
    await expect(page.locator('#phone')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#phone-error')).toContainText(text);
    await expect(page).toHaveURL(/\/register\/[a-z]+$/);
  };

  // The hint asks for a number of the bank's country, and only of it.
  await page.goto('/register/sber');
  await expect(page.locator('#phone-hint')).toContainText('A Russian mobile number (+7).');
  await expect(page.locator('#phone-hint')).not.toContainText('+380');
  await page.goto('/register/privatbank');
  await expect(page.locator('#phone-hint')).toContainText('A Ukrainian mobile number (+380).');
  await expect(page.locator('#phone-hint')).not.toContainText('+7');

  await phoneStep('Sberbank', '+380 67 123 45 67');
  await refused('This is a Ukrainian number (+380), but you chose a Russian bank.');
  await expectAccessible(page, 'phone step: Ukrainian number for a Russian bank');
  await phoneStep('PrivatBank', '8 (916) 123-45-67');
  await refused('This is a Russian number (+7), but you chose a Ukrainian bank.');
  await phoneStep('Sberbank', '+1 202 555 0100');
  await refused('The portal only accepts numbers from Russia (+7) and Ukraine (+380)');
  await phoneStep('PrivatBank', '+44 20 7946 0958');
  await refused('The portal only accepts numbers from Russia (+7) and Ukraine (+380)');
  // The same words in Ukrainian and Russian.
  await chooseLanguage(page, 'Українська');
  await page.getByRole('textbox').fill('+7 916 123-45-67');
  await page.locator('form button[type=submit]').click();
  await expect(page.getByRole('alert')).toContainText('Це російський номер (+7), а обрано український банк.');
  await chooseLanguage(page, 'Русский');
  await expect(page.getByRole('alert')).toContainText('Это российский номер (+7), а выбран украинский банк.');
  await chooseLanguage(page, 'English');
  expect(starts, 'nothing was sent').toEqual([]);
});

test('reloading the consent step keeps the phone, in this tab only, until the registration starts', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: exact('PrivatBank') }).click();
  await page.getByRole('textbox').fill('067 123 45 67');
  await page.locator('form button[type=submit]').click();
  await expect(page).toHaveURL(/\/register\/privatbank\/consent$/);
  await expect(page.getByRole('main')).toContainText('+380 ••• •••-45-67');
  await page.reload();
  await expect(page).toHaveURL(/\/register\/privatbank\/consent$/);
  await expect(page.getByRole('main')).toContainText('+380 ••• •••-45-67');
  // Kept in sessionStorage (this tab), never in localStorage.
  const stored = await page.evaluate(() => ({
    session: sessionStorage.getItem('bp-draft'),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)).join('\n'),
  }));
  expect(stored.session).toContain('+380671234567');
  expect(stored.local).not.toContain('380671234567');
  expect(stored.local).not.toContain('067 123 45 67');
  // Back to step 1: the number as typed.
  await page.getByRole('link', { name: 'Back' }).first().click();
  await expect(page.getByRole('textbox')).toHaveValue('067 123 45 67');
  await page.locator('form button[type=submit]').click();
  // Started: the draft is forgotten.
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Continue to PrivatBank' }).click();
  await expect(page.locator('#login')).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/\/register\/privatbank/);
  expect(await page.evaluate(() => sessionStorage.getItem('bp-draft'))).toBeNull();
});

test('the status page: "Check again" only while the bank answers, the trace id only for support', async ({ page }) => {
  // Waiting for the bank: the next step is the bank's.
  await page.goto('/');
  await page.getByRole('link', { name: exact('Sberbank') }).click();
  await page.getByRole('textbox').fill('+79161230001');
  await page.locator('form button[type=submit]').click();
  await page.getByRole('checkbox').check();
  // The registration's id, from the start's answer (read before the browser leaves for the bank).
  let id;
  await page.route('**/api/v1/registrations', async (route) => {
    const response = await route.fetch();
    id = (await response.json()).registration_id;
    await route.fulfill({ response });
  });
  await page.locator('form button[type=submit]').click();
  await expect(page.locator('#login')).toBeVisible();
  await page.unrouteAll();
  expect(id).toBeTruthy();
  await page.goto(`/registration/${id}`);
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'awaiting_bank');
  await expect(page.getByRole('button', { name: 'Check again' })).toBeVisible();
  await expect(page.getByTestId('support')).toHaveCount(0);
  await expect(page.locator('.bp-trace-id')).toHaveCount(0);
  await expect(page.locator('.bp-request-number')).toHaveCount(1);
  await expectTapTargets(page, 'status (awaiting the bank)');
  await expectAccessible(page, 'status (awaiting the bank)');

  // Refused by the rules: no "Check again"; the support box with the one request number, and
  // the trace id behind "Details for support".
  await registerThrough(page, 'Sberbank', '+79161230001', 'dormant');
  await expect(page.locator('[data-state]')).toHaveAttribute('data-state', 'rejected');
  await expect(page.getByRole('button', { name: 'Check again' })).toHaveCount(0);
  const support = page.getByTestId('support');
  await expect(support).toBeVisible();
  const number = (await page.locator('.bp-request-number').textContent()).trim();
  await expect(support).toContainText(`give them the request number ${number}`);
  const traceIds = page.locator('.bp-trace-id');
  await expect(traceIds).toHaveCount(1);
  expect(await traceIds.evaluate((el) => !!el.closest('details'))).toBe(true);
  await expect(traceIds).toBeHidden();
  await expectTapTargets(page, 'status (rejected)');
  await expectAccessible(page, 'status (rejected)');
  await support.getByText('Details for support').click();
  await expect(traceIds).toBeVisible();
  await expect(traceIds).not.toBeEmpty();
  await expectAccessible(page, 'status (rejected, details open)');
});
