// Opens the demo shop served by the live platform's edge in headless Chromium, waits until the
// widget shows a notification, then waits until the widget has sent the impression (it reports one
// when the notification is hidden, with how long it was visible, and batches events for ~3 s).
// Prints JSON for the pytest side.
import { createRequire } from "node:module";
const require = createRequire(new URL("../../widget/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [url, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.SP_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic"],
});
const result = { shown: "", posted: [], answers: [] };
try {
  const page = await browser.newPage();
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/events")) result.posted.push(r.postData() || "");
  });
  page.on("response", async (r) => {
    if (r.request().method() === "POST" && r.url().includes("/events")) {
      result.answers.push({ status: r.status(), body: await r.text().catch(() => "") });
    }
  });
  await page.goto(url);
  const deadline = Date.now() + 20000;
  while (!result.shown && Date.now() < deadline) {
    await page.waitForTimeout(200);
    result.shown = await page.evaluate(() =>
      [...document.querySelectorAll("*")]
        .filter((e) => e.shadowRoot)
        .map((h) => h.shadowRoot.querySelector("[aria-live]")?.textContent || "")
        .join(" ")
        .trim(),
    );
  }
  if (screenshot) await page.screenshot({ path: screenshot });
  const sent = () => result.posted.some((body) => body.includes("WIDGET_EVENT_TYPE_IMPRESSION"));
  const until = Date.now() + 25000;
  while (result.shown && !sent() && Date.now() < until) await page.waitForTimeout(250);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
