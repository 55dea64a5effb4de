// Playwright drives Debian's Chromium (no browser download). PORTAL_URL is set by scripts/test.sh,
// which starts the real server with the sandbox banks and the release build of the web app.
const { defineConfig } = require('@playwright/test');

// Playwright turns off third-party storage partitioning, which every browser citizens use has on
// (a frame inside a bank's page gets storage of its own, under the bank's site). This repeats
// Playwright's own list of features it turns off, less that one (the last --disable-features wins).
const BROWSER_FEATURES = '--disable-features=' + [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding',
  'AvoidCorsURLLoaderRestartOnRedirect', 'OptimizationHints', 'NetworkTimeServiceQuerying',
  'AimEnabled', 'PreconnectToSearch',
].join(',');

module.exports = defineConfig({
  metadata: { browserFeatures: BROWSER_FEATURES },
  testDir: '.',
  testMatch: /.*\.spec\.js/,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [['list']],
  outputDir: process.env.E2E_OUT ? `${process.env.E2E_OUT}/test-results` : 'test-results',
  use: {
    baseURL: process.env.PORTAL_URL || 'http://127.0.0.1:8080',
    locale: 'en-GB',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        BROWSER_FEATURES],
    },
  },
  projects: [
    { name: 'desktop', use: { viewport: { width: 1280, height: 900 } } },
    { name: 'phone', use: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true } },
  ],
});
