// First load of the dashboard (/app/) and time to first notification on the demo page (/demo/),
// from a cold Chromium context against the live edge. Prints JSON.
import { createRequire } from "node:module";
const require = createRequire(new URL("../widget/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [edge, runs] = [process.argv[2], Number(process.argv[3] || 5)];
const browser = await chromium.launch({
  executablePath: process.env.SP_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"],
});
const out = {
  dashboard_dcl_ms: [], dashboard_ready_ms: [], demo_first_notification_ms: [],
  demo_long_tasks: [], demo_longest_task_ms: [], demo_cls: [],
};
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${edge}/app/`, { waitUntil: "domcontentloaded" });
    out.dashboard_dcl_ms.push(Date.now() - started);
    await page.waitForSelector("h1, h2", { timeout: 20000 });
    out.dashboard_ready_ms.push(Date.now() - started);
    await context.close();

    const demo = await browser.newContext();
    const shop = await demo.newPage();
    // Observe the page's own performance trace from the first byte: long tasks and layout shifts.
    await shop.addInitScript(() => {
      const trace = { long: [], cls: 0 };
      window.__trace = trace;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => trace.long.push(e.duration)))
        .observe({ type: "longtask", buffered: true });
      new PerformanceObserver((l) => l.getEntries().forEach((e) => { if (!e.hadRecentInput) trace.cls += e.value; }))
        .observe({ type: "layout-shift", buffered: true });
    });
    const t0 = Date.now();
    await shop.goto(`${edge}/demo/`);
    for (;;) {
      const text = await shop.evaluate(() =>
        [...document.querySelectorAll("*")].filter((e) => e.shadowRoot)
          .map((h) => h.shadowRoot.querySelector("[aria-live]")?.textContent || "").join(""),
      );
      if (text.trim()) break;
      if (Date.now() - t0 > 20000) throw new Error("no notification on the demo page");
      await shop.waitForTimeout(20);
    }
    out.demo_first_notification_ms.push(Date.now() - t0);
    await shop.waitForTimeout(1000); // the slide-in animation and any shift it could cause
    const trace = await shop.evaluate(() => window.__trace);
    out.demo_long_tasks.push(trace.long.length);
    out.demo_longest_task_ms.push(Math.max(0, ...trace.long));
    out.demo_cls.push(trace.cls);
    await demo.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
