// Drives the dashboard in headless Chromium for the pytest browser tests. Usage: node drive.mjs '<json spec>'.
// Prints one JSON line: what the user saw at each step (texts, states, errors), never a judgement.
import { createRequire } from "node:module";
import { join } from "node:path";

const spec = JSON.parse(process.argv[2]);
const require = createRequire(join(process.cwd(), "package.json"));
const { chromium } = require("playwright-core");

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
  "--no-first-run", "--disable-component-update", "--disable-sync"];
const TIMEOUT = 20_000;
const out = { scenario: spec.scenario, steps: {}, console: [] };

// spec.human: look like a person's desktop Chrome to the analytics bot filter: no
// AutomationControlled blink feature (navigator.webdriver stays false) and a normal Chrome user agent
// of the same version instead of "HeadlessChrome".
const HUMAN_ARGS = spec.human ? ["--disable-blink-features=AutomationControlled"] : [];
const browser = await chromium.launch({ executablePath: spec.chromium, args: [...ARGS, ...HUMAN_ARGS], headless: true });
const major = browser.version().split(".")[0];
const HUMAN_UA = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
const context = await browser.newContext({
  viewport: spec.viewport ?? (spec.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 }),
  ...(spec.human ? { userAgent: HUMAN_UA } : {}),
});
await context.addInitScript((edge) => { window.__SP_EDGE_URL__ = edge; }, spec.edge);
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
page.on("console", (m) => m.type() === "error" && out.console.push(m.text().slice(0, 300)));
const url = (hash) => `${spec.app}/app/#/${hash}`;
const shot = (name) => page.screenshot({ path: join(spec.artifacts, `${spec.scenario}-${name}.png`), fullPage: true });
const text = async (sel) => ((await page.locator(sel).allInnerTexts()).join(" | ")).trim();

/** Waits for the success selector or a visible error; records which, and the error's text. */
async function outcome(name, success) {
  const error = page.locator('[data-testid="error"], [data-testid="field-error"]').first();
  await Promise.race([page.locator(success).first().waitFor(), error.waitFor()]).catch(() => undefined);
  const ok = await page.locator(success).first().isVisible().catch(() => false);
  const step = { ok, error: ok ? "" : await text('[data-testid="error"]'), fieldErrors: await fieldErrors() };
  out.steps[name] = step;
  await shot(name);
  return ok;
}

async function fieldErrors() {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll("[data-field]")]
        .map((f) => [f.getAttribute("data-field"), f.querySelector('[data-testid="field-error"]')?.textContent ?? ""])
        .filter(([, t]) => t),
    ),
  );
}

async function signUp(email, password) {
  await page.goto(url("signup"));
  await page.getByLabel("Your name").fill("Jana Owner");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Organization name (optional)").fill("Trail Shoes s.r.o.");
  await page.getByTestId("signup-submit").click();
}

async function logIn(email, password) {
  await page.goto(url("login"));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByTestId("login-submit").click();
  return outcome("login", 'h1:text-is("Sites")');
}

/** Waits until no "Loading…" status is left on the screen (bounded), so a screenshot shows the result. */
async function settled(ms = 15_000) {
  await page.waitForFunction(
    () => ![...document.querySelectorAll('[role="status"]')].some((e) => e.textContent?.startsWith("Loading")),
    undefined,
    { timeout: ms },
  ).catch(() => undefined);
}

/** Does the document scroll sideways? And which elements stick out past the viewport (for the report)? */
async function overflow() {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const culprits = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= width + 0.5) continue;
      // Content inside a horizontally scrolling box (a table) is fine: the box itself is what counts. An
      // absolutely positioned element escapes such a box unless the box (or something inside it) is positioned.
      const fixedOrAbsolute = (e) => ["absolute", "fixed"].includes(getComputedStyle(e).position);
      let escapes = fixedOrAbsolute(el);
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        const positioned = style.position !== "static";
        if (!escapes && ["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) { clipped = true; break; }
        if (escapes && positioned) {
          escapes = fixedOrAbsolute(p);
          if (!escapes && ["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) { clipped = true; break; }
        }
      }
      if (!clipped) culprits.push(`${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""} right=${Math.round(r.right)}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 10) };
  });
}

const scenarios = {
  async owner() {
    await signUp(spec.email, spec.password);
    if (!(await outcome("signup", 'h1:text-is("Sites")'))) return;
    out.steps.signup.role = await text('[data-testid="role"]');
    await page.getByTestId("add-site").click();
    await page.getByLabel("Site name").fill("Trail Shoes");
    await page.getByLabel("Domain").fill("shop.example.com");
    await page.getByTestId("create-site").click();
    if (!(await outcome("site", '[data-testid="snippet"]'))) return;
    out.steps.site.snippet = await text('[data-testid="snippet"]');
    out.steps.site.siteKey = await text('[data-testid="site-key"]');
    out.steps.site.verification = await text('[data-testid="verification-state"]');
    await page.getByTestId("new-campaign").click();
    await page.getByLabel("Campaign name").fill("Recent purchases");
    await page.locator('[data-testid="preview"], aside [data-testid="error"]').first().waitFor().catch(() => undefined);
    out.steps.preview = { text: await text('[data-testid="preview"]'), error: await text('aside [data-testid="error"]') };
    await page.getByTestId("save-campaign").click();
    if (!(await outcome("campaign", '[data-testid="builder-state"]'))) return;
    out.steps.campaign.state = await text('[data-testid="builder-state"]');
    await page.getByTestId("publish-campaign").click();
    await page.locator('[data-testid="builder-state"]:text-is("Published"), [data-testid="error"]').first().waitFor().catch(() => undefined);
    if (!(await outcome("publish", '[data-testid="builder-state"]:text-is("Published")'))) return;
    if (spec.invite) {
      await page.goto(url("team"));
      await page.getByLabel("Email").fill(spec.invite);
      await page.getByLabel("Role").selectOption({ label: "Analyst" });
      await page.getByTestId("invite").click();
      await outcome("invite", `[data-testid="invitations"] td:text-is("${spec.invite}")`);
    }
  },

  async validation() {
    await signUp(spec.email, spec.password);
    await page.locator('[data-testid="field-error"], [data-testid="error"]').first().waitFor().catch(() => undefined);
    out.steps.signup = { error: await text('[data-testid="error"]'), fieldErrors: await fieldErrors() };
    // Is the message really beside its input: same field container, and wired up for screen readers?
    out.steps.signup.passwordDescribedBy = await page.getByLabel("Password").evaluate((el) =>
      (el.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" | "),
    ).catch(() => "");
    out.steps.signup.passwordInvalid = await page.getByLabel("Password").getAttribute("aria-invalid").catch(() => null);
    await shot("signup");
  },

  async invitee() {
    await page.goto(url(`invite?token=${encodeURIComponent(spec.token)}`));
    await page.getByLabel("Your name").fill("Anna Analyst");
    await page.getByLabel("Password").fill(spec.password);
    await page.getByTestId("accept-submit").click();
    if (!(await outcome("accept", 'h1:text-is("Sites")'))) return;
    out.steps.accept.role = await text('[data-testid="role"]');
    await page.locator('[data-testid="site-list"] a').first().click();
    await page.locator('[data-testid="campaign-table"] a, [data-testid="empty"]').first().waitFor().catch(() => undefined);
    const count = (id) => page.getByTestId(id).count();
    out.steps.site = { addSite: 0, newCampaign: await count("new-campaign"), campaigns: await text('[data-testid="campaign-table"] a') };
    await shot("site");
    await page.locator('[data-testid="campaign-table"] a').first().click();
    await outcome("campaign", '[data-testid="builder-state"]');
    out.steps.campaign.save = await count("save-campaign");
    out.steps.campaign.publish = await count("publish-campaign");
    out.steps.campaign.pause = await count("pause-campaign");
    out.steps.campaign.fieldsetDisabled = await page.locator("form fieldset.plain").evaluate((f) => f.disabled);
    await page.goto(url("sites"));
    await page.locator('h1:text-is("Sites")').waitFor();
    out.steps.sites = { addSite: await count("add-site") };
  },

  // A visitor on the shop page that embeds the widget with the dashboard's install snippet: the
  // notification is shown, and the impression is sent (when the card hides) before the page is left.
  async visitor() {
    const posted = [];
    const answers = [];
    context.on("request", (r) => {
      if (r.method() === "POST" && r.url().includes("/events")) posted.push(r.postData() || "");
    });
    context.on("response", (r) => {
      if (r.request().method() === "POST" && r.url().includes("/events")) answers.push(r.status());
    });
    const started = Date.now();
    await page.goto(spec.page);
    const cardSel = "#socialproof-widget .c";
    await page.locator(cardSel).first().waitFor({ state: "attached", timeout: 20_000 });
    out.steps.visitor = {
      shownMs: Date.now() - started,
      text: await page.locator(cardSel).first().textContent(),
      webdriver: await page.evaluate(() => navigator.webdriver),
      userAgent: await page.evaluate(() => navigator.userAgent),
    };
    await page.waitForTimeout(400);
    await shot("notification");
    const impression = () => posted.some((b) => b.includes("WIDGET_EVENT_TYPE_IMPRESSION"));
    for (const end = Date.now() + 25_000; !impression() && Date.now() < end; ) await page.waitForTimeout(250);
    await page.goto("about:blank"); // pagehide: the rest goes by beacon
    await page.waitForTimeout(500);
    Object.assign(out.steps.visitor, { impressionSent: impression(), posted, answers });
  },

  // The owner logs in and opens Analytics (the site picker selects the owner's only site).
  async analytics() {
    await page.goto(url("login"));
    await page.getByLabel("Email").fill(spec.email);
    await page.getByLabel("Password").fill(spec.password);
    await page.getByTestId("login-submit").click();
    if (!(await outcome("login", 'h1:text-is("Sites")'))) return;
    await page.goto(url("analytics"));
    if (!(await outcome("analytics", '[data-testid="kpi-impressions"]'))) return;
    out.steps.analytics.impressions = await text('[data-testid="kpi-impressions"]');
    out.steps.analytics.site = await page.getByLabel("Site").evaluate((s) => s.selectedOptions[0]?.textContent ?? "");
    out.steps.analytics.kpis = await text('[data-testid="kpis"]');
  },

  // The owner's Analytics screen for a site with events: campaign names in the table, the funnel, and a
  // scheduled report created first with a bad recipient (the server's violation beside the field), then fixed.
  async insights() {
    if (!(await logIn(spec.email, spec.password))) return;
    await page.goto(url("analytics"));
    if (!(await outcome("analytics", '[data-testid="campaign-metrics"]'))) return;
    out.steps.analytics.campaigns = await page.getByTestId("campaign-name").allInnerTexts();
    await page.locator('[data-testid="funnel"], [data-testid="empty"]:has-text("first step")').first().waitFor().catch(() => undefined);
    out.steps.funnel = await page.locator('[data-testid="funnel-step"]').evaluateAll((items) =>
      items.map((li) => ({
        label: li.querySelector('[data-testid="funnel-label"]')?.textContent ?? "",
        visitors: li.querySelector('[data-testid="funnel-visitors"]')?.textContent ?? "",
        rates: li.querySelector('[data-testid="funnel-rates"]')?.textContent ?? "",
        barWidth: li.querySelector(".funnel-bar")?.style.width ?? "",
      })),
    );
    out.steps.funnelEmpty = await text('[data-testid="empty"]');
    await page.locator(".funnel").first().scrollIntoViewIfNeeded().catch(() => undefined);
    await shot("funnel");

    await page.getByTestId("new-report").click();
    const form = page.getByTestId("report-form");
    await form.getByLabel("Report name").fill(spec.report);
    await form.getByLabel("Frequency").selectOption({ label: "Weekly" });
    await form.getByLabel("Recipients").fill(`${spec.recipient}, ${spec.badRecipient}`);
    await page.getByTestId("save-report").click();
    await form.locator('[data-testid="field-error"], [data-testid="error"]').first().waitFor().catch(() => undefined);
    await outcome("badReport", '[data-testid="report-row"]');
    const recipients = form.getByLabel("Recipients");
    out.steps.badReport.describedBy = await recipients.evaluate((el) =>
      (el.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" | "),
    ).catch(() => "");
    out.steps.badReport.invalid = await recipients.getAttribute("aria-invalid").catch(() => null);
    await recipients.fill(spec.recipient);
    await page.getByTestId("save-report").click();
    await page.locator(`[data-testid="report-row"]:has-text("${spec.report}"), [data-testid="report-form"] [data-testid="error"]`).first().waitFor().catch(() => undefined);
    if (!(await outcome("report", `[data-testid="report-row"]:has-text("${spec.report}")`))) return;
    out.steps.report.rows = await page.getByTestId("report-row").allInnerTexts();
    out.steps.report.notice = await text('[data-testid="report-notice"]');
  },

  // Phone width: every main screen, the document must not scroll sideways; the menu collapses.
  async phone() {
    if (!(await logIn(spec.email, spec.password))) return;
    out.steps.menu = {
      toggleVisible: await page.locator(".menu-toggle").isVisible(),
      navVisibleBefore: await page.locator("nav#nav").isVisible(),
    };
    await page.locator(".menu-toggle").click();
    out.steps.menu.navVisibleOpen = await page.locator("nav#nav").isVisible();
    out.steps.menu.expanded = await page.locator(".menu-toggle").getAttribute("aria-expanded");
    await shot("menu");
    await page.locator("nav#nav").getByRole("link", { name: "Sites & campaigns" }).click();
    out.steps.menu.navVisibleAfterChoosing = await page.locator("nav#nav").isVisible();
    const screens = {};
    for (const [name, hash, heading] of spec.screens) {
      if (hash === "@first-site") {
        await page.goto(url("sites"));
        await page.locator('[data-testid="site-list"] a').first().click();
      } else if (hash === "@first-campaign") {
        await page.locator('[data-testid="campaign-table"] a').first().click();
      } else {
        await page.goto(url(hash));
      }
      await page.locator(heading ? `h1:text-is("${heading}")` : "h1").first().waitFor().catch(() => undefined);
      await settled();
      await page.waitForTimeout(300);
      screens[name] = { heading: await text("h1"), errors: await text('[data-testid="error"]'), ...(await overflow()) };
      await shot(name);
    }
    out.steps.screens = screens;
  },

  // Store API credentials of a WooCommerce connection (the test's fake store checks them): a malformed key
  // is refused beside its field, a wrong secret by the store, good keys show "set" (still so when the screen is opened again),
  // and removing them needs a confirmation.
  async credentials() {
    if (!(await logIn(spec.email, spec.password))) return;
    await page.goto(url("integrations"));
    const connect = page.getByRole("form", { name: "Connect a source" });
    await connect.getByLabel("Source").selectOption({ label: "Woocommerce" });
    await connect.getByLabel("Name").fill(spec.connection);
    await connect.getByRole("button", { name: "Connect" }).click();
    const card = page.locator(`ul.cards > li:has-text("${spec.connection}")`);
    if (!(await outcome("connect", `ul.cards > li:has-text("${spec.connection}") [data-testid="store-credentials"]`))) return;
    const state = () => card.getByTestId("store-credentials").innerText();
    out.steps.connect.state = await state();
    out.steps.connect.setButton = await card.getByRole("button", { name: "Set store API keys" }).count();
    out.steps.connect.clearButton = await card.getByTestId("clear-credentials").count();

    await card.getByRole("button", { name: "Set store API keys" }).click();
    const form = card.getByTestId("credentials-form");
    const secretFields = async () => form.locator("input").evaluateAll((inputs) =>
      Object.fromEntries(inputs.filter((i) => i.name).map((i) => [i.name, i.type])));
    /** Fills the form, saves, and waits for a field error, an error box or the form to close. */
    const save = async (name, key, secret) => {
      await form.getByLabel("Store URL", { exact: true }).fill(spec.storeUrl);
      await form.getByLabel("Consumer key", { exact: true }).fill(key);
      await form.getByLabel("Consumer secret", { exact: true }).fill(secret);
      const answered = page.waitForResponse((r) => r.url().endsWith("/SetConnectionCredentials")).catch(() => undefined);
      await card.getByTestId("save-credentials").click();
      await answered; // then what the answer made of the card
      await page.locator(`ul.cards > li:has-text("${spec.connection}") :is([data-testid="field-error"], [data-testid="error"], [data-testid="credentials-notice"])`).first().waitFor().catch(() => undefined);
      const step = {
        error: (await card.getByTestId("error").allInnerTexts()).join(" | "),
        fieldErrors: await fieldErrors(),
        notice: (await card.getByTestId("credentials-notice").allInnerTexts()).join(" | "),
        formOpen: await form.count(),
        state: await state(),
      };
      out.steps[name] = step;
      await shot(name);
      return step;
    };
    out.steps.inputTypes = await secretFields();
    await save("badKey", spec.badKey, spec.secret);
    const keyInput = form.getByLabel("Consumer key", { exact: true });
    out.steps.badKey.describedBy = await keyInput.evaluate((el) =>
      (el.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" | "),
    ).catch(() => "");
    out.steps.badKey.invalid = await keyInput.getAttribute("aria-invalid").catch(() => null);
    await save("rejected", spec.key, spec.wrongSecret);
    await save("saved", spec.key, spec.secret);
    await page.locator(`ul.cards > li:has-text("${spec.connection}") [data-testid="store-credentials"]:text-is("set")`).waitFor().catch(() => undefined);
    out.steps.saved.state = await state();
    // the keys are nowhere in the page once saved (the server never sends them back)
    const html = async () => (await page.content()) + (await page.locator("input").evaluateAll((xs) => xs.map((x) => x.value).join(" ")));
    const content = await html();
    out.steps.saved.keysInPage = [spec.key, spec.secret].filter((v) => content.includes(v));
    out.steps.saved.storeShown = await card.locator("code").allInnerTexts();

    // Leave the screen and come back: the state is the server's (a new ListConnections), not the form's.
    await page.goto(url("sites"));
    await page.locator('h1:text-is("Sites")').waitFor();
    await page.goto(url("integrations"));
    // A full reload too: the session comes back from the refresh token, and org-scoped calls (here
    // ListConnections) must still be allowed with the refreshed access token.
    await page.reload();
    await card.getByTestId("store-credentials").waitFor().catch(() => undefined);
    out.steps.reopened = { state: await state() };
    const reopened = await html();
    out.steps.reopened.keysInPage = [spec.key, spec.secret].filter((v) => reopened.includes(v));
    out.steps.reopened.setButton = await card.getByRole("button", { name: "Replace store API keys" }).count();

    await card.getByTestId("clear-credentials").click();
    out.steps.confirming = { state: await state(), confirm: await card.getByTestId("confirm-clear-credentials").count() };
    await shot("confirming");
    await card.getByTestId("confirm-clear-credentials").click();
    await page.locator(`ul.cards > li:has-text("${spec.connection}") [data-testid="store-credentials"]:text-is("not set"), ul.cards > li:has-text("${spec.connection}") [data-testid="error"]`).first().waitFor().catch(() => undefined);
    out.steps.cleared = {
      state: await state(),
      notice: (await card.getByTestId("credentials-notice").allInnerTexts()).join(" | "),
      error: (await card.getByTestId("error").allInnerTexts()).join(" | "),
      clearButton: await card.getByTestId("clear-credentials").count(),
    };
    await shot("cleared");

    // A Stripe connection takes one key; a publishable key is refused beside that field.
    await connect.getByLabel("Source").selectOption({ label: "Stripe" });
    await connect.getByLabel("Name").fill(spec.stripeConnection);
    await connect.getByRole("button", { name: "Connect" }).click();
    const stripe = page.locator(`ul.cards > li:has-text("${spec.stripeConnection}")`);
    await stripe.getByRole("button", { name: "Set store API keys" }).click();
    const stripeForm = stripe.getByTestId("credentials-form");
    const labels = await stripeForm.locator("label").allInnerTexts();
    await stripeForm.getByLabel("Secret or restricted key", { exact: true }).fill(spec.publishableKey);
    const answered = page.waitForResponse((r) => r.url().endsWith("/SetConnectionCredentials")).catch(() => undefined);
    await stripe.getByTestId("save-credentials").click();
    await answered;
    await stripe.getByTestId("field-error").first().waitFor().catch(() => undefined);
    out.steps.stripe = { labels, fieldErrors: await fieldErrors(), state: await stripe.getByTestId("store-credentials").innerText() };
    await shot("stripe");
  },

  async firstload() {
    // Cold cache: a new context has none. Timing is navigation start → the login heading is visible.
    const started = Date.now();
    await page.goto(url("login"));
    await page.locator('h1:text-is("Log in")').waitFor();
    out.steps.firstload = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource");
      return {
        domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
        loadMs: Math.round(nav.loadEventEnd),
        resources: res.map((r) => ({ name: r.name.split("/").pop(), transfer: r.transferSize, decoded: r.decodedBodySize })),
      };
    });
    out.steps.firstload.headingVisibleMs = Date.now() - started;
    await shot("login");
  },
};

try {
  await scenarios[spec.scenario]();
} catch (err) {
  out.exception = String(err).slice(0, 1000);
  await shot("exception").catch(() => undefined);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
