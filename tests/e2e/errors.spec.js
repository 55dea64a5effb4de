// Errors as the citizen meets them, in each language: the error summary takes focus, says exactly
// the shared crate's message for the code, the title gets the "Error: " prefix, the summary's link
// moves focus to the field, and axe finds nothing. Then the client's resilience: the progress
// indicator for slow calls, retries with the same Idempotency-Key, aborting on navigation.
const { test, expect, expectAccessible, chooseLanguage } = require('./fixtures');

// Copied from crates/api/src/error.rs (ErrorCode::message), so that a change of text there is a
// deliberate change here too.
const MESSAGES = {
  FIELD_REQUIRED: {
    ru: 'Заполните это поле.',
    uk: 'Заповніть це поле.',
    en: 'Fill in this field.',
  },
  FIELD_PHONE_FORMAT: {
    ru: 'Введите номер мобильного телефона в формате +7 XXX XXX-XX-XX или +380 XX XXX XX XX.',
    uk: 'Введіть номер мобільного телефону у форматі +380 XX XXX XX XX або +7 XXX XXX-XX-XX.',
    en: 'Enter a mobile number like +7 XXX XXX-XX-XX or +380 XX XXX XX XX.',
  },
  FIELD_CONSENT_REQUIRED: {
    ru: 'Чтобы продолжить, отметьте согласие на передачу данных.',
    uk: 'Щоб продовжити, позначте згоду на передачу даних.',
    en: 'To continue, tick the box to consent to the data transfer.',
  },
  SERVICE_UNAVAILABLE: {
    en: 'The portal is temporarily unavailable.',
  },
  NET_TIMEOUT: {
    en: 'The portal is taking too long to respond.',
  },
};

// From src/i18n.rs (Key::ErrorPrefix, Key::ErrorSummaryTitle) and the language switcher.
const LANGUAGES = [
  { lang: 'ru', button: 'Русский', prefix: 'Ошибка: ', title: 'Есть проблема' },
  { lang: 'uk', button: 'Українська', prefix: 'Помилка: ', title: 'Виникла проблема' },
  { lang: 'en', button: 'English', prefix: 'Error: ', title: 'There is a problem' },
];

const submit = (page) => page.locator('main form button[type=submit]');

/** Checks the summary for one error of `code` on the field `fieldId`, as GOV.UK asks. */
async function expectFieldError(page, { lang, prefix, title }, code, fieldId, label) {
  const message = MESSAGES[code][lang];
  const summary = page.locator('.bp-error-summary');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('alert')).toBeVisible();
  await expect(summary.getByRole('heading', { level: 2 })).toHaveText(title);
  await expect(summary.locator('li')).toHaveCount(1);
  await expect(summary.locator('li')).toHaveText(message);
  // The same text inline, after the visually hidden prefix.
  await expect(page.locator(`#${fieldId}-error`)).toHaveText(`${prefix}${message}`);
  await expect(page.locator(`#${fieldId}`)).toHaveAttribute('aria-invalid', 'true');
  const title_ = await page.title();
  expect(title_.startsWith(prefix), `title "${title_}" starts with "${prefix}"`).toBe(true);
  await expectAccessible(page, `${label} (${lang})`);
  // The summary's link moves focus to the field.
  await summary.getByRole('link', { name: message }).click();
  await expect(page.locator(`#${fieldId}`)).toBeFocused();
}

for (const language of LANGUAGES) {
  test(`errors on the phone and consent steps are explained in ${language.lang}`, async ({ page }) => {
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });
    await page.goto('/');
    await chooseLanguage(page, language.button);
    await expect(page.locator('html')).toHaveAttribute('lang', language.lang);
    await page.locator('a[href="/register/sber"]').click();

    // Phone step, nothing typed.
    const phone = page.locator('#phone');
    await expect(phone).toBeVisible();
    await submit(page).click();
    await expectFieldError(page, language, 'FIELD_REQUIRED', 'phone', 'phone step, empty');

    // Phone step, a malformed number: the answer is kept.
    await phone.fill('12345');
    await submit(page).click();
    await expectFieldError(page, language, 'FIELD_PHONE_FORMAT', 'phone', 'phone step, malformed');
    await expect(phone).toHaveValue('12345');

    // A good number leads on; the title loses its prefix.
    await phone.fill('+7 916 123-45-67');
    await submit(page).click();
    await expect(page).toHaveURL(/\/register\/sber\/consent$/);
    await expect(page.getByRole('checkbox')).toBeVisible();
    expect((await page.title()).startsWith(language.prefix)).toBe(false);

    // Consent step, box not ticked.
    await submit(page).click();
    await expectFieldError(page, language, 'FIELD_CONSENT_REQUIRED', 'consent', 'consent step, unticked');
    await expect(page).toHaveURL(/\/consent$/);
    expect(posts, 'nothing is sent while the form has errors').toEqual([]);
  });
}

test('the progress indicator appears for a slow call, not before 300 ms, and goes away', async ({ page }) => {
  // The pages' first data comes with the page (boot data); the sandbox inbox still asks the API
  // when it opens. When that request starts and when the indicator first shows, in page time.
  await page.addInitScript(() => {
    window.__callAt = null;
    window.__shownAt = null;
    const fetch = window.fetch;
    window.fetch = function (input, init) {
      const url = typeof input === 'string' ? input : input.url;
      if (url.endsWith('/api/v1/dev/inbox') && window.__callAt === null) window.__callAt = performance.now();
      return fetch.call(this, input, init);
    };
    new MutationObserver(() => {
      if (window.__shownAt === null && document.querySelector('.bp-activity__box')) {
        window.__shownAt = performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.route('**/api/v1/dev/inbox', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    await route.continue();
  });
  await page.goto('/dev/inbox');
  // The live region is always in the page; the box it holds while the call is slow is visible.
  const indicator = page.getByRole('status').locator('.bp-activity__box', { hasText: 'Loading…' });
  await expect(indicator).toBeVisible();
  await expect(page.locator('.bp-activity')).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('.bp-inbox').or(page.getByText('No messages yet.'))).toBeVisible();
  await expect(page.locator('.bp-activity__box')).toHaveCount(0);
  await expect(page.locator('.bp-activity')).toHaveText('');
  const { callAt, shownAt } = await page.evaluate(() => ({ callAt: window.__callAt, shownAt: window.__shownAt }));
  expect(callAt).not.toBeNull();
  expect(shownAt).not.toBeNull();
  expect(shownAt - callAt, 'no indicator before 300 ms').toBeGreaterThanOrEqual(290);
  await expectAccessible(page, 'sandbox inbox after a slow load');
});

async function toConsent(page) {
  await page.goto('/');
  await page.locator('a[href="/register/sber"]').click();
  await page.locator('#phone').fill('+7 916 123-45-67');
  await submit(page).click();
  await expect(page.getByRole('checkbox')).toBeVisible();
  await page.getByRole('checkbox').check();
}

for (const [status, code] of [[503, 'SERVICE_UNAVAILABLE'], [409, 'REQ_IN_PROGRESS']]) {
  test(`a registration answered ${status} ${code} is retried with the same Idempotency-Key`, async ({ page }) => {
    const keys = [];
    await page.route('**/api/v1/registrations', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      keys.push(await request.headerValue('idempotency-key'));
      if (keys.length === 1) {
        return route.fulfill({
          status,
          contentType: 'application/json',
          body: JSON.stringify({ code, message: 'e2e', trace_id: 'e2e-retry' }),
        });
      }
      return route.continue();
    });
    await toConsent(page);
    await submit(page).click();
    // The retry went through: the citizen is at the bank, never saw an error.
    await expect(page.locator('#login')).toBeVisible();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_.:-]{8,128}$/);
    expect(keys[1]).toBe(keys[0]);
  });
}

test('when every retry fails the citizen is told, and sending again is a new submission', async ({ page }) => {
  const keys = [];
  await page.route('**/api/v1/registrations', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(await route.request().headerValue('idempotency-key'));
    // Each failure takes a moment, so that the wait is long enough to observe.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'SERVICE_UNAVAILABLE', message: 'e2e', trace_id: 'e2e-down' }),
    });
  });
  await toConsent(page);
  const button = submit(page);
  await button.click();
  // Disabled while waiting for the answer.
  await expect(button).toBeDisabled();
  const summary = page.locator('.bp-error-summary');
  await expect(summary).toBeFocused();
  await expect(summary).toContainText(MESSAGES.SERVICE_UNAVAILABLE.en);
  await expect(summary.locator('.bp-trace-id')).toHaveText('e2e-down');
  await expect(button).toBeEnabled();
  // Four attempts in all, one key.
  expect(keys).toHaveLength(4);
  expect(new Set(keys).size).toBe(1);
  await expectAccessible(page, 'consent step after the portal failed');

  await button.click();
  await expect.poll(() => keys.length).toBe(8);
  expect(keys[4]).not.toBe(keys[0]);
  expect(new Set(keys.slice(4)).size).toBe(1);
});

test('a request with no answer for 15 s is abandoned and explained as a timeout', async ({ page }) => {
  let seen = 0;
  await page.route('**/api/v1/registrations', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    seen += 1;
    // Never answers.
  });
  await toConsent(page);
  const started = Date.now();
  await submit(page).click();
  const summary = page.locator('.bp-error-summary');
  await expect(summary).toBeFocused({ timeout: 25_000 });
  await expect(summary).toContainText(MESSAGES.NET_TIMEOUT.en);
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(14_500);
  expect(seen, 'a timeout is not retried').toBe(1);
  await expect(submit(page)).toBeEnabled();
});

test('leaving the page aborts its request without showing an error', async ({ page }) => {
  let seen = 0;
  await page.route('**/api/v1/registrations', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    seen += 1;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    try {
      await route.continue();
    } catch {
      // The page aborted it.
    }
  });
  const aborted = [];
  page.on('requestfailed', (r) => {
    if (r.url().endsWith('/api/v1/registrations')) aborted.push(r.failure() && r.failure().errorText);
  });
  await toConsent(page);
  await submit(page).click();
  await expect.poll(() => seen).toBe(1);
  // Back to step 1 while the request is in flight.
  await page.locator('main a.bp-back-link').click();
  await expect(page).toHaveURL(/\/register\/sber$/);
  await expect.poll(() => aborted.length).toBe(1);
  expect(aborted[0]).toMatch(/abort/i);
  await page.waitForTimeout(500);
  await expect(page.locator('.bp-error-summary')).toHaveCount(0);
  await expect(page.locator('#phone')).toHaveValue('+7 916 123-45-67');
  expect(seen, 'not retried').toBe(1);
});
