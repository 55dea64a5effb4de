// The first view (issue 13): the server writes into each page the header and the page's heading
// block, shown while the app loads (on a slow phone, seconds). The app must then draw the same
// words in the same places, or the page would jump when it takes over: here each page is loaded
// once with the app held back (its wasm refused) and once as usual, and the header, the heading
// and the lead must have the same text and boxes in both, at phone and desktop width.
const { test, expect, registerThrough } = require('./fixtures');

/** Text and box of the header and of the first heading block of `main`, rounded to 1 px. */
async function layoutOf(page) {
  return page.evaluate(() => {
    const pick = (sel) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return { text: e.textContent.trim(), x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width), h: Math.round(r.height) };
    };
    const header = pick('header.bp-header');
    return {
      header: header && { ...header, text: undefined },
      brand: pick('.bp-header__brand'),
      h1: pick('main h1'),
      lead: pick('main h1 ~ .bp-body-l, main .bp-hint'),
    };
  });
}

async function firstViewOf(page, path) {
  await page.route(/_bg\.wasm$/, (route) => route.abort());
  await page.firstViewGoto(path);
  await expect(page.locator('#bp-shell main h1')).toBeVisible();
  const shell = await layoutOf(page);
  await page.unroute(/_bg\.wasm$/);
  return shell;
}

async function appViewOf(page, path) {
  await page.goto(path);
  await expect(page.locator('#bp-shell')).toHaveCount(0);
  await expect(page.locator('main#main-content h1').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  return layoutOf(page);
}

async function expectSameView(page, path) {
  const shell = await firstViewOf(page, path);
  const app = await appViewOf(page, path);
  expect(shell.h1, `${path}: the first view has a heading`).not.toBeNull();
  // A page whose first view is its heading alone: what comes below it arrives with the app.
  if (shell.lead === null) app.lead = null;
  expect(shell, `${path}: the app draws the first view's words where they were`).toEqual(app);
}

test('signed out: the first view is where the app draws the page', async ({ page }) => {
  for (const path of ['/', '/register/sber', '/register/privatbank', '/signin']) {
    await expectSameView(page, path);
  }
});

test('signed in: the first view is where the app draws the page', async ({ page }) => {
  // `ivanov` stays pending (register.spec.js relies on it): these pages only look.
  await registerThrough(page, 'Sberbank', '+7 916 123-45-67', 'ivanov');
  const status = new URL(page.url()).pathname;
  for (const path of [status, '/account/activate', '/account/security', '/account/banks', '/account/banks/add',
    '/account/banks/change/sber', '/account/consents']) {
    await expectSameView(page, path);
  }
});

test('the first view is in the page before any script runs', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'uk-UA' });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'uk');
  await expect(page.locator('#bp-shell h1')).toHaveText('Реєстрація через банк');
  await expect(page.locator('#bp-shell .bp-header__mark')).toHaveAttribute('width', '40');
  await context.close();
});
