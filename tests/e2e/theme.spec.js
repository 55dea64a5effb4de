// The portal looks like the state service of its country (issue 13): the deployment's theme is on
// <html> and its mark and name in the header, footer and title; on a phone the whole header is one
// line of at most 64 px before the content, signed out and signed in, in every language; the account
// page shown is marked (aria-current and a visible marker, not colour alone); each bank's mark is
// beside its name on the linked-banks and consents pages; the phone's language control works by
// keyboard alone.
const { test, expect, expectAccessible, registerThrough, accountNav } = require('./fixtures');

const PHONE_WIDTHS = [360, 390];
const LANGS = ['ru', 'uk', 'en'];
// `ivanov` (Sberbank) has an account already (register.spec.js): registering again signs him in
// and leaves him pending, as the other specs expect.
const WHO = { bank: 'Sberbank', phone: '+79161234567', login: 'ivanov' };

/** The header is one line: every part of its bar side by side, within at most 64 px, and the
 *  page's content starts below it. */
async function expectOneLineHeader(page, label) {
  const header = page.locator('header.bp-header');
  const box = await header.boundingBox();
  expect(box.height, `${label}: header height`).toBeLessThanOrEqual(64);
  expect(box.y, `${label}: header at the top`).toBe(0);
  const parts = header.locator('.bp-header__bar > *');
  const count = await parts.count();
  expect(count, `${label}: mark and name, language, account`).toBe(3);
  const tops = [];
  for (let i = 0; i < count; i += 1) {
    const b = await parts.nth(i).boundingBox();
    expect(b, `${label}: part ${i} shown`).not.toBeNull();
    expect(b.y + b.height, `${label}: part ${i} inside the header`).toBeLessThanOrEqual(box.y + box.height);
    expect(b.x + b.width, `${label}: part ${i} inside the width`).toBeLessThanOrEqual(page.viewportSize().width);
    tops.push(b.y);
  }
  expect(Math.max(...tops) - Math.min(...tops), `${label}: one line`).toBeLessThanOrEqual(2);
  const main = await page.locator('main').boundingBox();
  expect(main.y, `${label}: content after the header`).toBeGreaterThanOrEqual(box.y + box.height - 1);
  // Every control in the bar is at least 44 × 44 px.
  const controls = header.locator('.bp-header__bar a:visible, .bp-header__bar button:visible');
  for (let i = 0; i < await controls.count(); i += 1) {
    const b = await controls.nth(i).boundingBox();
    expect(b.width, `${label}: control ${i} width`).toBeGreaterThanOrEqual(44);
    expect(b.height, `${label}: control ${i} height`).toBeGreaterThanOrEqual(44);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${label}: no sideways scrolling`).toBe(0);
}

/** Opens `path` in `lang` (remembered as the citizen's choice) and waits for its heading. */
async function openIn(page, path, lang) {
  await page.evaluate((l) => localStorage.setItem('bp-lang', l), lang);
  await page.goto(path);
  await expect(page.locator('h1').first()).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

test('the deployment\'s theme, mark and name', async ({ page }) => {
  await page.goto('/');
  const theme = await page.locator('html').getAttribute('data-theme');
  expect(theme).toMatch(/^(ru|ua)$/);
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', '#ffffff');
  // The mark: decorative (the name is beside it), its size fixed before it loads.
  const mark = page.locator('.bp-header__mark');
  await expect(mark).toHaveAttribute('alt', '');
  await expect(mark).toHaveAttribute('width', '40');
  await expect(mark).toHaveAttribute('height', '40');
  await expect(mark).toHaveAttribute('src', new RegExp(`^/brand/${theme}[.-]`));
  expect(await mark.evaluate((img) => img.complete && img.naturalWidth > 0)).toBe(true);
  // The header names the portal as configured; so do the footer and the title.
  const full = (await page.locator('.bp-footer__brand').textContent()).trim();
  expect(full.length).toBeGreaterThan(0);
  expect(await page.title()).toMatch(new RegExp(` — ${full}$`));
  const brandLink = page.locator('.bp-header__brand');
  await expect(brandLink).toHaveAttribute('href', '/');
  // The theme's blue, not GOV.UK's, on links and buttons.
  const blue = theme === 'ru' ? 'rgb(13, 76, 211)' : 'rgb(0, 87, 184)';
  await expect(page.locator('main a[href="/signin"]').first()).toHaveCSS('color', blue);
  await page.locator('a[href="/register/sber"]').click();
  await page.mouse.move(0, 0);
  await expect(page.locator('form button[type=submit]')).toHaveCSS('background-color', blue);
  await expect(page.locator('.bp-back-link')).toBeVisible();
  await expectAccessible(page, 'phone step (theme)');

  // Framed in a bank's page, the portal names itself the same way, with the same mark.
  const headerMark = await mark.getAttribute('src');
  const portalLang = await page.locator('html').getAttribute('lang');
  await page.goto(`${process.env.DEMO_URL || 'http://127.0.0.2:8082'}/sber/`);
  const frame = page.frameLocator('#bp-portal-frame');
  await expect(frame.getByRole('textbox')).toBeVisible();
  await page.locator('#bp-portal-lang').selectOption(portalLang);
  await expect(frame.locator('html')).toHaveAttribute('lang', portalLang);
  await expect(frame.locator('.bp-embed-bar__portal')).toHaveText(full);
  await expect(frame.locator('.bp-embed-bar__mark')).toHaveAttribute('src', headerMark);
  await expect(frame.locator('.bp-embed-bar__mark')).toHaveAttribute('alt', '');
});

test('on a phone the header is one line of at most 64 px, signed out and signed in', async ({ page }, info) => {
  test.skip(info.project.name !== 'phone', 'phone widths');
  await page.goto('/');
  for (const width of PHONE_WIDTHS) {
    await page.setViewportSize({ width, height: 740 });
    for (const lang of LANGS) {
      await openIn(page, '/', lang);
      await expectOneLineHeader(page, `signed out, ${width} px, ${lang}`);
      await openIn(page, '/register/sber', lang);
      await expectOneLineHeader(page, `signed out, phone step, ${width} px, ${lang}`);
    }
  }
  await page.evaluate(() => localStorage.setItem('bp-lang', 'en'));
  await registerThrough(page, WHO.bank, WHO.phone, WHO.login);
  const status = new URL(page.url()).pathname;
  for (const width of PHONE_WIDTHS) {
    await page.setViewportSize({ width, height: 740 });
    for (const lang of LANGS) {
      for (const path of [status, '/account/banks', '/account/consents', '/account/security']) {
        await openIn(page, path, lang);
        await expectOneLineHeader(page, `signed in, ${path}, ${width} px, ${lang}`);
      }
    }
  }
  // The menu opens under the bar; the header itself stays one line.
  await openIn(page, '/account/security', 'ru');
  const menu = page.getByRole('button', { name: 'Меню' });
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('navigation', { name: 'Учётная запись' }).getByRole('link', { name: 'Банки' })).toBeVisible();
  expect((await page.locator('header.bp-header').boundingBox()).height).toBeLessThanOrEqual(64);
  await expectAccessible(page, 'security, menu open (ru)');
  // Escape folds it and gives focus back to the button.
  await page.keyboard.press('Escape');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeFocused();
});

test('the account page shown is marked in the account navigation', async ({ page }) => {
  await registerThrough(page, WHO.bank, WHO.phone, WHO.login);
  for (const path of ['/account/security', '/account/banks', '/account/consents']) {
    await page.goto(path);
    await expect(page.locator('h1').first()).toBeVisible();
    const nav = await accountNav(page);
    const links = nav.locator('a.bp-account-nav__link');
    const current = nav.locator('a[aria-current="page"]');
    await expect(current).toHaveCount(1);
    await expect(current).toHaveAttribute('href', path);
    await expect(current).toBeVisible();
    // A marker that is not colour alone: a bar beside or under the current link, none on the others.
    expect(await current.evaluate((a) => getComputedStyle(a).boxShadow)).not.toBe('none');
    for (let i = 0; i < await links.count(); i += 1) {
      const link = links.nth(i);
      if ((await link.getAttribute('href')) === path) continue;
      await expect(link).not.toHaveAttribute('aria-current', /.*/);
      expect(await link.evaluate((a) => getComputedStyle(a).boxShadow)).toBe('none');
    }
  }
  // A page under an account page marks its section (aria-current="true", not "page").
  await page.goto('/account/banks/add');
  await expect(page.locator('h1').first()).toBeVisible();
  const nav = await accountNav(page);
  await expect(nav.locator('a[href="/account/banks"]')).toHaveAttribute('aria-current', 'true');
  await expect(nav.locator('a[aria-current="page"]')).toHaveCount(0);
  await expectAccessible(page, 'add a bank, account navigation open');
});

test('bank marks beside bank names on the linked-banks and consents pages', async ({ page }) => {
  await registerThrough(page, WHO.bank, WHO.phone, WHO.login);
  const check = async (marks, label) => {
    await expect(marks.first()).toBeVisible();
    for (let i = 0; i < await marks.count(); i += 1) {
      const img = marks.nth(i);
      await expect(img, label).toHaveAttribute('alt', '');
      await expect(img, label).toHaveAttribute('width', /^\d+$/);
      await expect(img, label).toHaveAttribute('height', /^\d+$/);
      await expect(img, label).toHaveAttribute('src', /^\/logos\/sber[.-]/);
      expect(await img.evaluate((el) => el.complete && el.naturalWidth > 0), label).toBe(true);
    }
  };
  await page.goto('/account/banks');
  await check(page.locator('[data-testid=linked-banks] dt img.bp-bank-mark'), 'linked banks');
  await expect(page.locator('[data-testid=linked-banks] dt').first()).toContainText('Sberbank');
  await expectAccessible(page, 'linked banks with marks');
  await page.goto('/account/consents');
  await check(page.locator('[data-testid=ledger] h2 img.bp-bank-mark'), 'consents');
  await expect(page.locator('[data-testid=ledger] h2').first()).toContainText('Sberbank');
  await expectAccessible(page, 'consents with marks');
});

test('on a phone the language control works by keyboard alone', async ({ page }, info) => {
  test.skip(info.project.name !== 'phone', 'the folded language control is the phone\'s');
  await page.goto('/');
  await page.evaluate(() => localStorage.removeItem('bp-lang'));
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  const toggle = page.locator('.bp-lang__toggle');
  // Tab from the top of the page: skip link, the portal's name, then the language.
  for (let i = 0; i < 6 && !(await toggle.evaluate((el) => el === document.activeElement)); i += 1) {
    await page.keyboard.press('Tab');
  }
  await expect(toggle).toBeFocused();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(toggle).toContainText('Eng');
  const list = page.locator('#language-list');
  await expect(list).toBeHidden();
  // Enter opens the three languages, each named in itself; the current one is pressed.
  await page.keyboard.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(list).toBeVisible();
  await expect(list.getByRole('button', { name: 'English', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(list.getByRole('button', { name: 'Українська', exact: true })).toHaveAttribute('lang', 'uk');
  await expectAccessible(page, 'language list open');
  // Escape folds it, focus back on the button.
  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
  await expect(toggle).toBeFocused();
  // Space opens it again; Tab to Українська; Enter chooses it.
  await page.keyboard.press('Space');
  await expect(list).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(list.getByRole('button', { name: 'Русский', exact: true })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(list.getByRole('button', { name: 'Українська', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('lang', 'uk');
  await expect(list).toBeHidden();
  await expect(toggle).toBeFocused();
  await expect(toggle).toContainText('Укр');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Реєстрація через банк');
  await expect(list.locator('button[lang=uk]')).toHaveAttribute('aria-pressed', 'true');
  // Tabbing out of the open list folds it, so it never covers what has focus.
  await page.keyboard.press('Enter');
  await expect(list).toBeVisible();
  for (let i = 0; i < 4; i += 1) await page.keyboard.press('Tab');
  await expect(list).toBeHidden();
  await expectAccessible(page, 'bank selector in Ukrainian after the keyboard choice');
});
