/**
 * The gallery with 100,000 jobs in history (30,000 on PostgreSQL), in Debian's Chromium: the grid keeps only the rows on
 * screen in the page and asks the server only for the pages they need, at the top and after a
 * jump to the oldest job, and the keyboard reaches the tiles. What it counts is work (tiles in
 * the page, requests made), never time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { NewPrompt, Store } from '../../src/store/index.js';
import { makeTempDir, openStoreFor } from '../helpers/app.js';
import { testDatabaseKind } from '../helpers/postgres.js';
import { browserForFile } from './browser.js';
import { openPage, startWebStack } from './web-stack.js';

// On PostgreSQL (npm run test:postgres) filling 100,000 takes over two minutes (a notifying
// commit per finished prompt, and those do not share a flush): 30,000 keep it within the test's time.
const JOBS = testDatabaseKind() === 'postgres' ? 30_000 : 100_000;
const FIRST_CREATED = Date.UTC(2026, 0, 1);

const shared = browserForFile();

/** `count` finished prompts, one a second from FIRST_CREATED, through the store as the gateway writes them. */
async function fillHistory(store: Store, count: number): Promise<{ oldest: string; newest: string }> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 2_000) {
    const batch: NewPrompt[] = Array.from({ length: Math.min(2_000, count - start) }, (_, i) => ({
      id: randomUUID(),
      number: start + i,
      prompt: { '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: start + i } } },
      extraData: {},
      outputsToExecute: ['1'],
      clientId: null,
      createTime: FIRST_CREATED + (start + i) * 1_000,
    }));
    await store.prompts.insertMany(batch);
    // A few at a time: PostgreSQL commits overlap; SQLite takes them one by one anyway.
    for (let at = 0; at < batch.length; at += 8) {
      await Promise.all(
        batch.slice(at, at + 8).map((p) =>
          store.prompts.finish(p.id, {
            state: 'completed',
            startTime: p.createTime + 100,
            endTime: p.createTime + 600,
            entry: { prompt: [p.number, p.id, p.prompt, {}, ['1']], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} },
          }),
        ),
      );
    }
    ids.push(...batch.map((p) => p.id));
  }
  return { oldest: ids[0] ?? '', newest: ids.at(-1) ?? '' };
}

test(`${JOBS} jobs: the grid holds only the rows on screen and fetches only their pages, at the top and at the oldest job`, async (t) => {
  const data = makeTempDir('automa-gallery-scale-');
  t.after(data.remove);
  const seed = await openStoreFor(data.dir);
  const { oldest, newest } = await fillHistory(seed, JOBS).finally(() => seed.close());
  const { app } = await startWebStack(t, shared.webApp, [], {}, { dataDir: data.dir });

  const { page, errors } = await openPage(t, shared.browser, `${app.url}/gallery`);
  const pagesAsked: number[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/jobs') pagesAsked.push(Number(url.searchParams.get('offset') ?? 0));
  });
  await page.getByTestId('gallery-total').getByText(`${JOBS} jobs in history`).waitFor();
  const tiles = page.getByTestId('gallery-tile');
  // Newest first: the last job made leads the grid.
  await page.locator(`[data-prompt-id="${newest}"]`).waitFor();
  const onScreen = await tiles.count();
  assert.ok(onScreen > 0 && onScreen <= 240, `${onScreen} tiles in the page for ${JOBS} jobs`);

  // Jump to the end (the grid is a focusable region; End scrolls it): the oldest job shows.
  const grid = page.getByTestId('gallery-grid');
  await grid.focus();
  await page.keyboard.press('End');
  await page.locator(`[data-prompt-id="${oldest}"]`).waitFor();
  const atEnd = await tiles.count();
  assert.ok(atEnd > 0 && atEnd <= 240, `${atEnd} tiles in the page at the end`);
  const distinct = new Set(pagesAsked);
  assert.ok(distinct.size <= 6, `pages asked for: ${[...distinct].join(', ')}`);
  assert.ok(distinct.has(JOBS - (JOBS % 120 === 0 ? 120 : JOBS % 120)), `the last page was asked for: ${[...distinct].join(', ')}`);

  // The keyboard reaches a tile, and Enter opens its job.
  await page.keyboard.press('Tab');
  const focused = await page.locator(':focus').getAttribute('data-prompt-id');
  assert.ok(focused !== null, 'Tab from the grid lands on a tile');
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/gallery/${focused}`);
  assert.deepEqual(errors, []);
});
