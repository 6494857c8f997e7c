// Drives headless Chromium through form capture and prints what it saw as JSON. Called by
// tests/browser/test_widget_forms_browser.py, which serves the pages and the form routes.
//
//   node widget/test/forms_browser.mjs '{"optedIn": URL, "notOptedIn": URL, "formLater": URL, "chromium": PATH}'
import { chromium } from "playwright-core";

const cfg = JSON.parse(process.argv[2]);
const isForms = (r, method) => new URL(r.url()).pathname.endsWith("/forms") && r.method() === method;

/** Loads the page, waits for the widget's form config, fills and submits the form. */
async function submit(browser, url) {
  const page = await browser.newPage();
  const sent = [];
  page.on("request", (r) => isForms(r, "POST") && sent.push({ body: r.postData(), contentType: r.headers()["content-type"] }));
  // a keepalive request outlives its page: playwright may never report its response, so no waiting
  page.on("response", (r) => isForms(r.request(), "POST") && (sent.find((s) => s.body === r.request().postData()).status = r.status()));
  const config = page.waitForResponse((r) => isForms(r.request(), "GET"));
  await page.goto(url);
  const configBody = await (await config).json();
  await page.waitForTimeout(300); // the listener is added once the config JSON is parsed
  await page.fill("#name", "Jana Marie");
  await page.fill("#surname", "Nováková");
  await page.fill("#email", "Jana@Example.com");
  await page.fill("#password", "hunter2");
  await page.fill("#card", "4242424242424242");
  await page.fill("#phone", "+420 777 000 000");
  await page.click("#send");
  await page.waitForURL("**/thanks");
  await page.waitForTimeout(1000); // a post would have been sent by now (keepalive outlives the page)
  await page.close();
  return { config: configBody, sent, landed: page.url() };
}

/** A page without a form at first: no config request; a form added later (a signup popup) is asked
 * about when the visitor first focuses a field in it, then captured like any other. */
async function formLater(browser, url) {
  const page = await browser.newPage();
  const configs = [];
  const sent = [];
  page.on("request", (r) => isForms(r, "GET") && configs.push(r.url()));
  page.on("request", (r) => isForms(r, "POST") && sent.push({ body: r.postData(), contentType: r.headers()["content-type"] }));
  await page.goto(url); // "load": the async widget script has run by then
  await page.waitForTimeout(1500);
  const configsBeforeForm = configs.length;
  await page.evaluate(() => {
    const form = document.createElement("form");
    form.id = "newsletter";
    form.method = "post";
    form.action = "/thanks";
    form.innerHTML = '<input id="name" name="name"><input id="surname" name="surname"><input id="email" name="email" type="email"><input type="hidden" name="plan" value="Pro"><button id="send">Subscribe</button>';
    document.body.append(form);
  });
  await page.waitForTimeout(500);
  const configsAfterInsert = configs.length;
  const config = page.waitForResponse((r) => isForms(r.request(), "GET"));
  await page.fill("#name", "Petr Pavel");
  const configBody = await (await config).json();
  await page.waitForTimeout(300); // the listener is added once the config JSON is parsed
  await page.fill("#surname", "Svoboda");
  await page.fill("#email", "petr@example.com");
  await page.click("#send");
  await page.waitForURL("**/thanks");
  await page.waitForTimeout(1000);
  await page.close();
  return { configsBeforeForm, configsAfterInsert, configs: configs.length, config: configBody, sent, landed: page.url() };
}

const browser = await chromium.launch({
  executablePath: cfg.chromium || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run"],
});
const results = {};
try {
  results.optedIn = await submit(browser, cfg.optedIn);
  results.notOptedIn = await submit(browser, cfg.notOptedIn);
  results.formLater = await formLater(browser, cfg.formLater);
} catch (e) {
  results.error = String(e?.stack || e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
