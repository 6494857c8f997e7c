// The widget's browser scenarios (widget/test/browser.mjs) replayed against the live platform: every
// page is the edge's /demo/ shop page (the install snippet, ?site_key= picks the site), every feed,
// event and presence request goes through the real edge to the services. Prints one JSON object
// {scenario: observations}; tests/e2e/test_widget_live_browser.py judges them.
//
//   node tests/e2e/widget_live.mjs '{"edge": "http://127.0.0.1:P", "demoKey": "sk_pub_…", "testKey": "…",
//                                    "screenshot": "…png", "displayMs": 7000, "chromium": "/usr/bin/chromium"}'
import { createRequire } from "node:module";
const require = createRequire(new URL("../../widget/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const cfg = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const demo = (key, extra = "") => `${cfg.edge}/demo/?site_key=${encodeURIComponent(key)}${extra}`;

// As in widget/test/browser.mjs: a switch to simulate a background tab (headless Chromium keeps
// every page "visible"); `startHidden` makes the page start in the background.
const INIT = (startHidden) => {
  window.__hidden = startHidden;
  Object.defineProperty(document, "visibilityState", { get: () => (window.__hidden ? "hidden" : "visible") });
  Object.defineProperty(document, "hidden", { get: () => window.__hidden });
  window.__setHidden = (h) => {
    window.__hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
};

const card = (page) => page.locator("#socialproof-widget .c");
const cardText = (page) =>
  page.evaluate(() => document.querySelector("#socialproof-widget")?.shadowRoot?.querySelector(".c")?.textContent || "");
const waitCard = async (page, timeout = 15000) => {
  await card(page).first().waitFor({ state: "attached", timeout });
  return cardText(page);
};

/** A context whose widget traffic is recorded: event batches (fetch or beacon), feed requests. */
async function context(browser, opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...opts.ctx });
  await ctx.addInitScript(INIT, Boolean(opts.hidden));
  const log = { t0: Date.now(), events: [], feeds: [], answers: [] };
  ctx.on("request", (r) => {
    const at = Date.now() - log.t0;
    if (r.method() === "POST" && r.url().includes("/events")) log.events.push({ at, body: r.postData() || "" });
    if (r.method() === "GET" && r.url().includes("/feed")) log.feeds.push({ at, url: r.url() });
  });
  ctx.on("response", (r) => {
    if (r.request().method() === "POST" && r.url().includes("/events")) log.answers.push(r.status());
  });
  return { ctx, log };
}
const sent = (log, type) => log.events.filter((e) => e.body.includes(`WIDGET_EVENT_TYPE_${type}`));
const waitSent = async (log, type, ms) => {
  for (const end = Date.now() + ms; !sent(log, type).length && Date.now() < end; ) await sleep(100);
  return sent(log, type);
};

const scenarios = {
  // The seeded demo site on its own page: first delay, hover pause (longer than the display time),
  // a screenshot of the demo page.
  async demo(browser) {
    const { ctx, log } = await context(browser);
    const page = await ctx.newPage();
    log.t0 = Date.now();
    await page.goto(`${cfg.edge}/demo/`);
    const first = await waitCard(page);
    const appearedMs = Date.now() - log.t0;
    await card(page).evaluate((c) => (c.dataset.mark = "hovered"));
    await card(page).hover();
    const hoveredAtMs = Date.now() - log.t0;
    await sleep(400); // entrance transition
    await page.screenshot({ path: cfg.screenshot });
    await sleep(Math.max(0, cfg.displayMs + 1500 - (Date.now() - log.t0 - hoveredAtMs)));
    const stillThereAfterHover = (await page.locator('#socialproof-widget .c[data-mark="hovered"]').count()) === 1;
    const heldMs = Date.now() - log.t0 - hoveredAtMs;
    await page.mouse.move(1200, 700);
    await card(page).first().waitFor({ state: "detached", timeout: cfg.displayMs + 5000 });
    const hiddenAfterLeaveMs = Date.now() - log.t0;
    await ctx.close();
    return { first, appearedMs, hoveredAtMs, heldMs, stillThereAfterHover, hiddenAfterLeaveMs, answers: log.answers };
  },

  // The test site (UTM tagging on): a click is tracked and the link it follows carries UTM tags.
  async click(browser) {
    const { ctx, log } = await context(browser);
    const page = await ctx.newPage();
    log.t0 = Date.now();
    await page.goto(demo(cfg.testKey, "&from=click"));
    const first = await waitCard(page);
    const appearedMs = Date.now() - log.t0;
    await card(page).hover(); // paused, so the 3 s display time cannot end under the pointer
    const href = await card(page).locator("a").first().getAttribute("href", { timeout: 5000 });
    await Promise.all([page.waitForURL(/utm_medium=notification/, { timeout: 10000 }), card(page).locator("a").first().click({ timeout: 5000 })]);
    const landed = page.url();
    const clicks = await waitSent(log, "CLICK", 8000); // sent by beacon when the page was left
    await ctx.close();
    return { first, appearedMs, href, landed, clicks: clicks.map((c) => c.body), answers: log.answers };
  },

  // The test site's campaign excludes URLs with step=checkout: the feed is asked, nothing is shown.
  async excluded(browser) {
    const { ctx, log } = await context(browser);
    const page = await ctx.newPage();
    const feed = page.waitForResponse((r) => r.url().includes("/feed"), { timeout: 10000 });
    await page.goto(demo(cfg.testKey, "&step=checkout"));
    const body = (await (await feed).json()).feed || {}; // GetWidgetFeedResponse.feed
    await sleep(cfg.testDelayMs + 3000);
    const shown = await card(page).count();
    await ctx.close();
    return { shown, feedCampaigns: (body.campaigns || []).length, feedStatus: body.status, feeds: log.feeds.length };
  },

  // A background tab shows nothing and reports no impression; once visible the card appears, and the
  // impression (sent when the card or the tab hides) counts only the visible time.
  async hidden(browser) {
    const { ctx, log } = await context(browser, { hidden: true });
    const page = await ctx.newPage();
    log.t0 = Date.now();
    await page.goto(demo(cfg.testKey, "&from=hidden"));
    await sleep(cfg.testDelayMs + 3000);
    const shownWhileHidden = await card(page).count();
    const impressionsWhileHidden = sent(log, "IMPRESSION").length;
    const visibleAt = Date.now() - log.t0;
    await page.evaluate(() => window.__setHidden(false));
    const text = await waitCard(page);
    await sleep(800);
    await page.evaluate(() => window.__setHidden(true)); // the tab goes to the background again
    const hiddenAgainAt = Date.now() - log.t0;
    const impressions = await waitSent(log, "IMPRESSION", 8000);
    await ctx.close();
    return {
      shownWhileHidden,
      impressionsWhileHidden,
      visibleAt,
      hiddenAgainAt,
      text,
      impressions: impressions.map((e) => ({ at: e.at, body: e.body })),
    };
  },

  // stop silences this page view; opt-out persists to the next page view (no feed request at all)
  async stop(browser) {
    const { ctx, log } = await context(browser);
    const page = await ctx.newPage();
    await page.goto(demo(cfg.testKey, "&from=stop"));
    await page.evaluate(() => window.socialproof("stop"));
    await sleep(cfg.testDelayMs + 3000);
    const shownAfterStop = await card(page).count();
    const feedsBeforeOptout = log.feeds.length;
    await page.evaluate(() => window.socialproof("optout"));
    await page.goto(demo(cfg.testKey, "&from=optout"));
    await sleep(cfg.testDelayMs + 3000);
    const shownAfterOptout = await card(page).count();
    const feedsAfterOptout = log.feeds.length - feedsBeforeOptout;
    const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("sp_")));
    await ctx.close();
    return { shownAfterStop, shownAfterOptout, feedsBeforeOptout, feedsAfterOptout, keys, impressions: sent(log, "IMPRESSION").length };
  },

  // prefers-reduced-motion: no entrance transition
  async motion(browser) {
    const out = {};
    for (const reducedMotion of ["reduce", "no-preference"]) {
      const { ctx } = await context(browser, { ctx: { reducedMotion } });
      const page = await ctx.newPage();
      await page.goto(demo(cfg.testKey, "&from=motion"));
      await waitCard(page);
      out[reducedMotion] = await card(page).evaluate((c) => getComputedStyle(c).transitionDuration);
      await ctx.close();
    }
    return out;
  },
};

const browser = await chromium.launch({
  executablePath: cfg.chromium || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const results = {};
try {
  const queue = Object.keys(scenarios);
  // three at a time: they mostly wait on the widget's timers, not on the two CPU cores
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const t = Date.now();
        try {
          results[name] = { ok: true, ...(await scenarios[name](browser)), ms: Date.now() - t };
        } catch (e) {
          results[name] = { ok: false, error: String(e?.stack || e), ms: Date.now() - t };
        }
      }
    }),
  );
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
