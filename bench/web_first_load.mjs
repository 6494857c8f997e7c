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
const out = { dashboard_dcl_ms: [], dashboard_ready_ms: [], demo_first_notification_ms: [] };
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
    await demo.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
