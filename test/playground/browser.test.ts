// The playground in a real browser against a real server: Debian's chromium (driven by
// playwright-core) loads the page, runs one prompt under SeLaR and plain decoding side
// by side, and the test checks the rendering against the streams the server sent:
// one span per trace entry, coloured by its entropy, soft steps marked, and the soft
// count shown equal to usage.completion_tokens_details.soft_tokens, and a soft step's
// mixture (trace "mix") listed in its token's tooltip.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Page, Response } from 'playwright-core';
import { entropyRgb, rgbCss } from '../../src/playground/client/entropy-scale.js';
import { buildPlayground } from './build-playground.js';
import { chromiumMissing, launchChromium } from './chromium.js';
import { liveServer } from './live-server.js';
import { parseChatStream, type CapturedStream } from './sse-body.js';

const repo = path.resolve(import.meta.dirname, '../..');
const missing = chromiumMissing();

interface RenderedToken {
  entropy: string;
  soft: boolean;
  background: string;
  text: string;
}

async function renderedTokens(page: Page, side: 'a' | 'b'): Promise<RenderedToken[]> {
  return page.$$eval(`.run[data-side="${side}"] .tok`, (spans) =>
    spans.map((s) => ({
      entropy: (s as HTMLElement).dataset.entropy ?? '',
      soft: s.classList.contains('soft'),
      background: getComputedStyle(s).backgroundColor,
      text: s.textContent ?? '',
    })),
  );
}

const stat = (page: Page, side: 'a' | 'b', name: string) =>
  page.textContent(`.run[data-side="${side}"] [data-stat="${name}"]`);

/** Captures each chat stream the page opens, with the body the page sent. */
function captureStreams(page: Page): Promise<CapturedStream>[] {
  const captured: Promise<CapturedStream>[] = [];
  page.on('response', (res: Response) => {
    if (!res.url().endsWith('/v1/chat/completions')) return;
    captured.push(res.text().then((body) => parseChatStream(body, JSON.parse(res.request().postData() ?? '{}'))));
  });
  return captured;
}

t.test(
  'the playground renders a SeLaR run and a plain run side by side',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    buildPlayground();
    const server = await liveServer(t);
    const browser = await launchChromium();
    t.teardown(() => browser.close());
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    const streams = captureStreams(page);

    await page.goto(server.url + '/');
    t.equal(new URL(page.url()).pathname, '/playground', 'GET / leads to the playground');
    // The model list comes from GET /v1/models.
    await page.waitForSelector(`#model option[value="${server.modelId}"]`, { state: 'attached' });
    t.equal(await page.inputValue('#model'), server.modelId);

    await page.fill('#prompt', 'Count the primes below 30, then name the largest.');
    await page.fill('#max-tokens', '40');
    // Seeded sampling at a low temperature: reproducible, and (unlike greedy, where the
    // SeLaR quantities use temperature 1) sharp enough that entropies spread over the scale.
    await page.fill('#temperature', '0.3');
    await page.fill('#seed', '7');
    await page.check('#logprobs');
    await page.fill('#top-logprobs', '3');
    // The panel enables only what the chosen mode and noise read (the rest is not sent).
    await page.selectOption('#a-mode', 'soft_thinking');
    t.equal(await page.isVisible('#a-st-max-topk'), true, 'soft_thinking shows its knobs');
    t.equal(await page.isDisabled('#a-threshold'), true, 'soft_thinking has no entropy_threshold');
    await page.selectOption('#a-noise', 'dirichlet');
    t.same(
      [await page.isDisabled('#a-noise-alpha'), await page.isDisabled('#a-noise-temperature')],
      [false, true],
      'dirichlet enables noise_alpha only',
    );
    await page.selectOption('#a-noise', 'none');
    await page.selectOption('#a-mode', 'hot');
    t.same(
      [await page.isDisabled('#a-noise'), await page.isDisabled('#a-hot-temperature')],
      [true, false],
      'hot never mixes: no noise, its own hot_temperature',
    );
    // A: entropy-gated SeLaR, where only the uncertain steps go soft.
    await page.selectOption('#a-mode', 'selar');
    t.equal(await page.isVisible('#a-st-max-topk'), false, "soft_thinking's knobs are hidden in other modes");
    await page.fill('#a-threshold', '0.6');
    await page.check('#compare');
    await page.selectOption('#b-mode', 'off');
    await page.keyboard.press('Tab'); // commit the last field before running
    await page.click('#run');
    await page.waitForSelector('body[data-state="idle"] .run[data-side="b"] .run-stats[data-final]', {
      timeout: 120_000,
    });
    await page.waitForSelector('body[data-state="idle"] .run[data-side="a"] .run-stats[data-final]', {
      timeout: 120_000,
    });

    t.equal(streams.length, 2, 'one stream per side');
    const byMode = new Map<string, CapturedStream>();
    for (const s of await Promise.all(streams)) byMode.set((s.requestBody.selar as { mode: string }).mode, s);
    const selar = byMode.get('selar')!;
    const off = byMode.get('off')!;
    t.ok(selar && off, 'the page sent one selar and one off request');
    t.match(selar.requestBody, {
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      seed: 7,
      max_tokens: 40,
      logprobs: true,
      top_logprobs: 3,
      selar: { mode: 'selar', entropy_threshold: 0.6, trace: 'mix' },
    });
    t.same(off.requestBody.selar, { mode: 'off', top_k: 3, trace: 'mix' }, 'off sends only what it reads');

    for (const [side, stream] of [
      ['a', selar],
      ['b', off],
    ] as const) {
      const tokens = await renderedTokens(page, side);
      t.equal(tokens.length, stream.trace.length, `${side}: one span per trace entry`);
      t.equal(stream.trace.length, stream.usage.completion_tokens, `${side}: the trace covers every generated token`);
      const colourMismatch = tokens.findIndex(
        (tok, i) => tok.background !== rgbCss(entropyRgb(stream.trace[i].entropy)),
      );
      t.equal(colourMismatch, -1, `${side}: every token is coloured by its own entropy`);
      t.same(
        tokens.map((tok) => tok.soft),
        stream.trace.map((e) => e.soft),
        `${side}: soft steps are marked on the right tokens`,
      );
      const soft = stream.usage.completion_tokens_details.soft_tokens;
      t.equal(
        await stat(page, side, 'soft'),
        String(soft),
        `${side}: soft count shown = usage.completion_tokens_details.soft_tokens (${soft})`,
      );
      t.equal(
        await stat(page, side, 'tokens'),
        String(stream.usage.completion_tokens),
        `${side}: token count shown = usage.completion_tokens`,
      );
      t.equal(
        await stat(page, side, 'ratio'),
        `${((100 * soft) / stream.usage.completion_tokens).toFixed(1)} %`,
        `${side}: soft ratio`,
      );
      t.match(await stat(page, side, 'rate'), /^\d+\.\d$/, `${side}: tokens/s shown`);
    }
    const selarSoft = selar.usage.completion_tokens_details.soft_tokens;
    t.ok(
      selarSoft > 0 && selarSoft < selar.usage.completion_tokens,
      `SeLaR went soft on some steps but not all (${selarSoft}/${selar.usage.completion_tokens})`,
    );
    t.equal(off.usage.completion_tokens_details.soft_tokens, 0, 'plain decoding has no soft steps');
    const distinct = new Set((await renderedTokens(page, 'a')).map((tok) => tok.background));
    t.ok(distinct.size >= 3, `the colouring varies with entropy (${distinct.size} distinct colours)`);

    // Hover: the tooltip shows the entropy, the soft decision and the top alternatives.
    const first = page.locator('.run[data-side="a"] .tok').first();
    await first.hover();
    const tip = page.locator('#token-tip');
    await tip.waitFor({ state: 'visible' });
    t.match(
      await tip.textContent(),
      new RegExp(`entropy${selar.trace[0].entropy.toFixed(3)}`),
      'tooltip shows the entropy',
    );
    t.match(
      await tip.textContent(),
      selar.trace[0].soft ? /soft embedding/ : /discrete/,
      'tooltip shows the soft decision',
    );
    t.equal(await tip.locator('table.alts tr').count(), 3, 'tooltip lists top_logprobs alternatives');

    // A token whose successor step was soft: the tooltip lists the soft input's mixture.
    const softAt = selar.trace.findIndex((e) => e.soft);
    const mix = selar.trace[softAt].mix ?? [];
    t.ok(mix.length > 0, 'the soft trace entry carries its mix');
    await page.locator('.run[data-side="a"] .tok').nth(softAt).hover();
    await page.waitForFunction(() => document.querySelector('#token-tip table.mix') !== null);
    const rows = await tip.locator('table.mix tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        cells: [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent),
        bar: (tr.querySelector('.bar') as HTMLElement).style.width,
      })),
    );
    t.same(
      rows,
      mix.map((m) => ({
        cells: [JSON.stringify(m.token), `${(100 * m.weight).toFixed(1)} %`],
        bar: `${Math.round(1000 * m.weight) / 10}%`,
      })),
      'the mixture: each candidate with its weight and bar',
    );
    await page.screenshot({ path: screenshotPath('playground-mix.png'), fullPage: true });
    await first.hover();
    await page.waitForFunction(() => document.querySelector('#token-tip table.alts') !== null);
    await page.screenshot({ path: screenshotPath(), fullPage: true });
    updateDocsScreenshot(t);

    // Keyboard: the first token is in the Tab order, arrows walk the others.
    await first.focus();
    await page.keyboard.press('ArrowRight');
    t.equal(
      await page.evaluate(() =>
        [...document.querySelectorAll('.run[data-side="a"] .tok')].indexOf(document.activeElement!),
      ),
      1,
      'ArrowRight moves to the next token',
    );
    await page.keyboard.press('Escape');
    t.equal(await tip.isHidden(), true, 'Escape hides the tooltip');

    t.same(pageErrors, [], 'no script errors (CSP included)');
  },
);

function screenshotPath(name = 'playground.png'): string {
  const dir = path.join(repo, 'test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** The README's copy is refreshed on request only, so test runs leave the tree clean. */
function updateDocsScreenshot(t: Test): void {
  if (process.env.SELAR_UPDATE_DOCS_SCREENSHOT !== '1') return;
  fs.mkdirSync(path.join(repo, 'docs'), { recursive: true });
  fs.copyFileSync(screenshotPath(), path.join(repo, 'docs/playground.png'));
  t.comment('docs/playground.png updated');
}

t.test(
  'with API keys set, the key typed into the page is used and kept nowhere',
  { skip: missing ?? false, timeout: 240_000 },
  async (t) => {
    buildPlayground();
    const key = 'sk-playground-test-key';
    const server = await liveServer(t, ['--api-keys', key]);
    const browser = await launchChromium();
    t.teardown(() => browser.close());
    const page = await browser.context.newPage();
    const streams = captureStreams(page);
    const authHeaders: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) authHeaders.push(r.headers().authorization ?? '');
    });

    await page.goto(server.url + '/playground');
    await page.waitForFunction(() => /API key/.test(document.getElementById('conn-status')?.textContent ?? ''));
    t.equal(await page.isDisabled('#run'), true, 'nothing to run before the key is given');

    await page.fill('#api-key', key);
    await page.keyboard.press('Tab');
    await page.waitForSelector(`#model option[value="${server.modelId}"]`, { state: 'attached' });
    await page.fill('#max-tokens', '24');
    await page.selectOption('#a-mode', 'soft');
    await page.click('#run');
    await page.waitForSelector('body[data-state="idle"] .run[data-side="a"] .run-stats[data-final]', {
      timeout: 120_000,
    });

    const [stream] = await Promise.all(streams);
    t.equal(
      await page.textContent('.run[data-side="a"] [data-stat="soft"]'),
      String(stream.usage.completion_tokens_details.soft_tokens),
      'soft count shown = usage',
    );
    t.ok(stream.usage.completion_tokens_details.soft_tokens > 0, 'soft mode went soft');
    t.equal(await page.locator('.run[data-side="a"] .tok').count(), stream.usage.completion_tokens);
    t.equal(authHeaders[0], '', 'the first model listing went without a key (and got 401)');
    t.same(new Set(authHeaders.slice(1)), new Set([`Bearer ${key}`]), 'every API call after typing it carried the key');
    const stored = await page.evaluate(() => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
    }));
    t.same(stored, { local: 0, session: 0, cookie: '' }, 'the key is not stored');
    await page.reload();
    t.equal(await page.inputValue('#api-key'), '', 'a reload forgets the key');
  },
);

if (missing) t.comment(`playground browser tests skipped: ${missing}`);
