import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { useContractApp } from './contract-app';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '.artifacts');
// CI installs Debian's Chromium (.ci/run); elsewhere the browser check runs where it is installed.
const describeWithBrowser = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

describeWithBrowser('the human-readable API reference at /api/v1/docs', () => {
  const app = useContractApp();
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(() => browser?.close());

  it('renders every route of the OpenAPI document from local assets only', async () => {
    const page = await browser.newPage();
    const foreignRequests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(app.url)) foreignRequests.push(request.url());
    });
    await page.goto(`${app.url}/api/v1/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });

    const { body: document } = await app.request('GET', '/api/v1/openapi.json');
    const expected = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const rendered = await page.$$eval('.opblock', (blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent?.trim();
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path');
        return `${method} ${path}`;
      }),
    );
    expect(rendered.sort()).toEqual(expected.sort());
    expect(foreignRequests).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'api-docs.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
