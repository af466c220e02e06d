import { load } from 'js-yaml';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

// The API reference in a real browser: Debian's Chromium (.ci/run installs it), driven by playwright-core,
// against the `serverless offline` of the e2e setup, so the page runs from the bundle as deployed, under its
// Content-Security-Policy.
jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../..');
const screenshot = path.join(root, '.local', 'screenshots', 'api-reference.png');
const httpMethods = ['get', 'put', 'post', 'delete', 'patch'];
const document = load(readFileSync(path.join(root, 'openapi.yml'), 'utf8')) as {
  paths: Record<string, Record<string, { operationId: string }>>;
};
const operations = Object.entries(document.paths).flatMap(([template, item]) =>
  Object.keys(item)
    .filter((method) => httpMethods.includes(method))
    .map((method) => `${method.toUpperCase()} ${template}`),
);

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // As root in CI, and on a machine with no network beyond localhost (no background fetches).
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
});

afterAll(() => browser?.close());

test('lists every operation of the document, expands one, and breaks no rule of its policy', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${process.env.CONDUIT_E2E_URL}/api/docs`);
  await page.locator('.opblock').first().waitFor();
  const listed = await page
    .locator('.opblock-summary')
    .evaluateAll((summaries) =>
      summaries.map(
        (summary) =>
          `${summary.querySelector('.opblock-summary-method')?.textContent} ${summary.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
      ),
    );
  const tags = page.locator('#operations-Tags-GetTags');
  await tags.locator('.opblock-summary-control').click();
  await tags.locator('.opblock-body').waitFor();
  mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot });

  expect(listed.sort()).toEqual(operations.sort());
  expect(await tags.getAttribute('class')).toContain('is-open');
  expect(await tags.locator('.responses-table').textContent()).toContain('304');
  expect(problems).toEqual([]);
});
