// The SocialProof widget: fetches the site's feed from the edge, shows notifications in a Shadow DOM
// under the display rules, tracks what the visitor actually saw, and stays anonymous until consent.
import { assign, HOLDOUT } from "./ab";
import { fields, globRx, ruleFor, uuid, type FormRule } from "./forms";
import { dur, ms, rules, type Campaign, type Feed, type LiveCounts, type Notification, type Rules, type Span, type Theme } from "./feed";
import { CSS, PRESETS } from "./style";

declare const __VERSION__: string;
type Api = ((cmd: string, arg?: unknown) => void) & { q?: ArrayLike<unknown>[] };
declare global {
  interface Window {
    socialproof?: Api;
  }
  interface Navigator {
    globalPrivacyControl?: boolean;
  }
}
type Obj = Record<string, unknown>;

interface Stored {
  v: string; // visitor id
  s: string; // session id
  t: number; // last activity (ms), for the 30 min session timeout
  ret?: number; // 1 once the visitor has had an earlier session
  u: Obj; // landing page UTM of the session
  r: string; // landing page referrer of the session
  seen: Record<string, number>; // notification id -> when shown
  n: Record<string, number>; // campaign id -> shown this session
  x: string[]; // campaigns closed this session
  c?: number; // 1 when the visitor consented
}

interface Slot {
  c: Campaign;
  r: Rules;
  arm: string;
  items: Notification[];
  i: number;
  shown: number;
}

const V = __VERSION__;
const w = window;
const d = document;
const nav = navigator;
const now = () => Date.now();
const perf = performance;
const t0 = perf.now();
const script = d.currentScript as HTMLScriptElement | null;
const siteKey = script?.dataset.siteKey || "";
const api = (script?.dataset.api || (script ? new URL(script.src).origin : location.origin)).replace(/\/$/, "");
const base = `${api}/v1/widget/sites/${encodeURIComponent(siteKey)}/`;
const KEY = "sp_" + siteKey;
const OPTOUT = "sp_optout";
const dnt = nav.doNotTrack === "1" || nav.globalPrivacyControl === true;

const rid = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
// storage blocked by the browser (or full): behave as anonymous
let ls: Storage | undefined;
try {
  ls = localStorage;
} catch {
  /* blocked */
}
const store = (f: (s: Storage) => unknown): unknown => {
  try {
    return ls && f(ls);
  } catch {
    /* blocked or quota */
  }
};

// --- state -------------------------------------------------------------------------------------
let stopped = false;
let consent: boolean | undefined;
let persist = false;
let feed: Feed | undefined;
let st: Stored;
let seenAtLoad: Record<string, number> = {};
let siteHoldout = false;
let ownHash = "";
let counts: LiveCounts = { page_count: 0, site_count: 0 };
let slots: Slot[] = [];
let rr = 0; // round-robin position over campaigns
let timer = 0;
let idle = false; // the rotation has nothing to show until a live update adds an item
let waitVisible = false;
let host: HTMLElement | undefined;
let root: ShadowRoot | undefined;
let live: HTMLElement | undefined;
let current: { hide: (closed?: boolean) => void } | undefined;
const queue: Obj[] = [];
let flushTimer = 0;
let retries = 0;
const busy: number[] = []; // [start, end, ...] of the widget's own work, to attribute long tasks
let firstShown = 0;
let feedBytes = 0;
let longTasks: PerformanceEntry[] = [];
let cls = 0;
let perfSent = false;
const urlGoals: { name: string; pattern: string }[] = [];

function work<T>(f: () => T): T {
  const s = perf.now();
  try {
    return f();
  } finally {
    if (busy.length < 400) busy.push(s, perf.now());
  }
}

function load(): Stored {
  const saved = store((s) => JSON.parse(s.getItem(KEY) || "null")) as Stored | undefined;
  const q = new URLSearchParams(location.search);
  const utm: Obj = {};
  for (const k of ["source", "medium", "campaign", "term", "content"]) {
    const val = q.get("utm_" + k);
    if (val) utm[k] = val;
  }
  if (saved && now() - saved.t < 18e5) return { ...saved, t: now() };
  // new session: landing referrer and UTM come from this page; per-session counters restart
  return {
    v: saved?.v || rid(),
    s: rid(),
    t: now(),
    ret: saved ? 1 : 0,
    u: utm,
    r: d.referrer,
    seen: saved?.seen || {},
    n: {},
    x: [],
    c: saved?.c,
  };
}

function save(): void {
  if (!persist) return;
  const cut = now() - 7 * 864e5; // keep the seen list bounded
  for (const k in st.seen) if (st.seen[k] < cut) delete st.seen[k];
  store((s) => s.setItem(KEY, JSON.stringify(st)));
}

// Storage and a persistent id only when allowed: never with DNT/GPC or a refusal; otherwise when the
// visitor consented or the site says consent is not required. The feed does not tell the widget the
// visitor's country, so REQUIRED_IN_GDPR_COUNTRIES (the default) waits for consent everywhere.
function storageAllowed(): boolean {
  if (dnt || consent === false || !ls) return false;
  return consent === true || st.c === 1 || feed?.site.consent_mode === "CONSENT_MODE_NOT_REQUIRED";
}

function goAnonymous(): void {
  // a fresh per-page id, so nothing sent from now on can be joined with the stored one
  st = { ...st, v: rid(), s: rid(), c: 0 };
  persist = false;
}

// --- page context ------------------------------------------------------------------------------
const device = (): string =>
  "DEVICE_TYPE_" +
  (matchMedia("(pointer:coarse)").matches ? (innerWidth < 768 ? "MOBILE" : "TABLET") : "DESKTOP");
const pageUrl = (): string => location.href.split("#")[0];
/** The page URL for events: query parameters other than UTM are removed (they may carry PII). */
function eventUrl(): string {
  const u = new URL(pageUrl());
  for (const k of [...u.searchParams.keys()]) if (!k.startsWith("utm_")) u.searchParams.delete(k);
  return u.href;
}
function referrer(): string {
  if (!d.referrer) return "";
  const r = new URL(d.referrer);
  return r.origin === location.origin ? d.referrer.split("#")[0] : r.origin;
}

// --- events ------------------------------------------------------------------------------------
function track(type: string, slot?: Slot, n?: Notification, extra?: Obj): void {
  if (stopped) return;
  const hold = slot ? slot.arm === HOLDOUT : siteHoldout;
  queue.push({
    event_id: rid(),
    type: "WIDGET_EVENT_TYPE_" + type,
    visitor_id: st.v,
    session_id: st.s,
    occurred_at: new Date().toISOString(),
    campaign_id: slot?.c.campaign_id || "",
    variant_id: slot && slot.c.experiment_id && !hold ? slot.arm : "",
    experiment_id: slot?.c.experiment_id || "",
    holdout: hold || siteHoldout,
    activity_id: n?.activity_id || "",
    page_url: eventUrl(),
    referrer: referrer(),
    utm: st.u,
    language: nav.language || "",
    viewport_width: innerWidth,
    anonymous: !persist,
    automation_suspected: nav.webdriver === true,
    ...extra,
  });
  st.t = now();
  save();
  if (queue.length >= 20) flush();
  else if (!flushTimer) flushTimer = w.setTimeout(flush, 3000);
}

// text/plain is CORS-safelisted: no preflight, and sendBeacon accepts it; keepalive outlives the page
const post = (path: string, body: string) =>
  fetch(base + path, { method: "POST", body, keepalive: true, credentials: "omit", headers: { "content-type": "text/plain" } });

/** Sends queued events; a failed batch is put back and retried with backoff (ids dedupe retries). */
function flush(leaving?: boolean): void {
  clearTimeout(flushTimer);
  flushTimer = 0;
  if (!queue.length) return;
  const batch = queue.splice(0, 100);
  const body = JSON.stringify({ events: batch, sent_at: new Date().toISOString(), widget_version: V });
  if (leaving && nav.sendBeacon?.(base + "events", body)) return;
  post("events", body)
    .then((r) => {
      if (r.status >= 500 || r.status === 429) throw r.status;
      retries = 0; // a 4xx batch is malformed: retrying cannot help
    })
    .catch(() => {
      if (stopped || ++retries > 5) return;
      queue.unshift(...batch);
      flushTimer = w.setTimeout(flush, 1000 * 2 ** retries);
    });
  if (queue.length) flush(leaving);
}

function sendPerformance(): void {
  if (perfSent || !feed) return;
  perfSent = true;
  const res = perf.getEntriesByName(script?.src || "")[0] as PerformanceResourceTiming | undefined;
  let longest = 0;
  let blocking = 0;
  for (const t of longTasks) {
    longest = Math.max(longest, t.duration);
    blocking += t.duration - 50;
  }
  const p: Obj = {
    script_transfer_bytes: res?.transferSize || 0,
    script_decoded_bytes: res?.decodedBodySize || 0,
    script_load_duration: dur(busy[1] || 0),
    long_task_count: longTasks.length,
    total_blocking_time: dur(blocking),
    cumulative_layout_shift: cls,
    feed_transfer_bytes: feedBytes,
    widget_version: V,
  };
  if (firstShown) p.time_to_first_notification = dur(firstShown);
  if (longest) p.longest_long_task = dur(longest);
  track("PERFORMANCE", undefined, undefined, { performance: p });
}

function observeCost(): void {
  try {
    new PerformanceObserver((l) => {
      for (const t of l.getEntries()) {
        // a long task counts against the widget only when the widget's own code ran inside it
        for (let i = 0; i < busy.length; i += 2)
          if (busy[i] < t.startTime + t.duration && busy[i + 1] > t.startTime) {
            longTasks.push(t);
            break;
          }
      }
    }).observe({ type: "longtask", buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries() as (PerformanceEntry & { value: number; sources?: { node?: Node }[] })[])
        if (e.sources?.some((s) => s.node && (s.node === host || host?.contains(s.node)))) cls += e.value;
    }).observe({ type: "layout-shift", buffered: true });
  } catch {
    /* entry types not supported by this browser */
  }
}

// --- feed --------------------------------------------------------------------------------------
function feedQuery(): string {
  const q = new URLSearchParams({ "page.url": pageUrl(), "page.device_type": device() });
  if (st.r) q.set("page.referrer", st.r);
  for (const k in st.u) q.set("page.utm_" + k, String(st.u[k]));
  if (st.c === 1 && !dnt) q.set("page.visitor_type", st.ret ? "VISITOR_TYPE_RETURNING" : "VISITOR_TYPE_NEW");
  if (nav.language) q.set("locale", nav.language);
  return q.toString();
}

// `v`: the version a FeedChanged event announced; a URL of its own passes the edge's cache once
async function fetchFeed(v?: string): Promise<void> {
  const r = await fetch(base + "feed?" + feedQuery() + (v ? "&feed_version=" + v : ""), { credentials: "omit" });
  if (!r.ok) return;
  const text = await r.text();
  feedBytes += text.length;
  const f = (JSON.parse(text) as { feed: Feed }).feed;
  feed = f;
  persist = storageAllowed();
  // the own-activity hash only means something for the stored, persistent visitor id
  if (persist && !ownHash) ownHash = await sha(siteKey + ":" + st.v).catch(() => "");
  work(() => start(f));
}

async function sha(s: string): Promise<string> {
  const b = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...b.slice(0, 8)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function start(f: Feed): void {
  if (stopped || f.status !== "FEED_STATUS_ACTIVE") return;
  feed = f;
  persist = storageAllowed();
  save();
  counts = f.live_counts || counts;
  seenAtLoad = { ...st.seen };
  siteHoldout = assign(f.site.holdout_id, st.v, [], f.site.holdout_basis_points) === HOLDOUT;
  build();
  prepareRtf();
  track("PAGE_VIEW");
  checkUrlGoals();
  if (!siteHoldout && slots.length) {
    clearTimeout(timer);
    const first = Math.min(...slots.map((s) => s.r.firstDelay));
    timer = w.setTimeout(next, Math.max(0, first - (perf.now() - t0)));
  }
  if (f.site.live_updates_enabled) connect();
  if (f.site.heartbeat_interval) presence(false);
}

function build(): void {
  if (!feed) return;
  const keep = new Map(slots.map((s) => [s.c.campaign_id, s]));
  slots = [];
  for (const c of feed.campaigns) {
    const arms = c.variants.map((v) => ({ variant_id: v.variant_id, weight: v.weight }));
    const arm = c.experiment_id ? assign(c.experiment_id, st.v, arms, c.holdout_basis_points) : c.variants[0]?.variant_id ?? "";
    const v = c.variants.find((x) => x.variant_id === arm) || (c.experiment_id ? undefined : c.variants[0]);
    const old = keep.get(c.campaign_id);
    slots.push({ c, r: rules(v?.display_rules), arm, items: v?.notifications || [], i: old?.i || 0, shown: old?.shown || 0 });
  }
}

// --- rotation ----------------------------------------------------------------------------------
function eligible(s: Slot, n: Notification): boolean {
  const c = s.c;
  const seen = seenAtLoad[n.notification_id];
  if (s.r.skipSeen && seen && now() - seen < s.r.skipSeen) return false;
  if (c.once_per_visitor && st.seen[n.notification_id]) return false;
  if (s.r.hideOwn && ownHash && n.actor_visitor_hash === ownHash) return false;
  if (c.type === "CAMPAIGN_TYPE_LIVE_VISITORS" && liveCount(c) < c.min_live_count) return false;
  return true;
}

function pick(): [Slot, Notification] | undefined {
  for (let k = 0; k < slots.length; k++) {
    const s = slots[(rr + k) % slots.length];
    const c = s.c;
    if (s.arm === HOLDOUT || st.x.includes(c.campaign_id) || !s.items.length) continue;
    if (s.shown >= s.r.perPage || (st.n[c.campaign_id] || 0) >= s.r.perSession) continue;
    if (c.valid_until && Date.parse(c.valid_until) < now()) continue;
    for (let tries = 0; tries < s.items.length; tries++) {
      if (s.i >= s.items.length) {
        if (!s.r.loop || !s.shown) break;
        s.i = 0;
      }
      const n = s.items[s.i++];
      if (eligible(s, n)) {
        rr = (rr + k + 1) % slots.length;
        return [s, n];
      }
    }
  }
  return undefined;
}

function next(): void {
  if (stopped) return;
  if (d.hidden) {
    waitVisible = true; // never spend a notification on a tab nobody looks at
    return;
  }
  const p = work(pick);
  idle = !p;
  if (p) work(() => show(p[0], p[1]));
}

// --- rendering ---------------------------------------------------------------------------------
function mount(): void {
  if (host) return;
  host = d.createElement("div");
  host.id = "socialproof-widget";
  // out of the page's flow whatever the page's CSS says, so inserting it can never shift the page
  host.style.cssText = "all:initial;position:fixed;top:0;left:0;width:0;height:0;z-index:2147483647";
  root = host.attachShadow({ mode: "open" });
  const style = d.createElement("style");
  style.textContent = CSS;
  live = el("div", "sr");
  live.setAttribute("aria-live", "polite");
  live.setAttribute("role", "status");
  root.append(style, live);
  d.body.append(host);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = d.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

const liveCount = (c: Campaign): number =>
  Number(c.live_count_scope === "LIVE_COUNT_SCOPE_SITE" ? counts.site_count : counts.page_count);

// The first Intl.RelativeTimeFormat in a page costs ~100 ms (ICU data): English is formatted by hand,
// other locales build the formatter in idle time before the first notification.
let rtf: Intl.RelativeTimeFormat | undefined;
const english = () => /^en\b/.test(feed?.site.locale || "en");
function prepareRtf(): void {
  if (!english()) (w.requestIdleCallback || setTimeout)(() => (rtf ||= new Intl.RelativeTimeFormat(feed?.site.locale, { numeric: "auto" })));
}
function ago(iso: string): string {
  const sec = (now() - Date.parse(iso)) / 1000;
  const [v, u]: [number, Intl.RelativeTimeFormatUnit] =
    sec < 60 ? [0, "second"] : sec < 3600 ? [sec / 60, "minute"] : sec < 86400 ? [sec / 3600, "hour"] : [sec / 86400, "day"];
  const n = Math.round(v);
  if (!english()) return (rtf ||= new Intl.RelativeTimeFormat(feed?.site.locale, { numeric: "auto" })).format(-n, u);
  return !n ? "just now" : u === "minute" ? n + " min ago" : `${n} ${u}${n > 1 ? "s" : ""} ago`;
}

function spans(p: HTMLElement, list: Span[], c: Campaign): HTMLElement {
  for (const s of list) {
    let t = s.text;
    if (s.relative_time) t = ago(s.relative_time); // re-formatted now: a cached feed must not say "just now" later
    if (s.live_count) t = String(liveCount(c));
    p.append(s.emphasized ? el("em", "", t) : d.createTextNode(t));
  }
  return p;
}

function theme(): [string, string][] {
  const t: Partial<Theme> = feed?.site.theme || {};
  const dark = t.preset === "THEME_PRESET_DARK" || (t.preset === "THEME_PRESET_AUTO" && matchMedia("(prefers-color-scheme:dark)").matches);
  const [b, tx, a] = PRESETS[dark ? "dark" : "light"];
  return [
    ["--b", t.background_color || b],
    ["--t", t.text_color || tx],
    ["--a", t.accent_color || a],
    ["--r", (t.corner_radius_px ?? 8) + "px"],
    ["--f", t.font_family || "system-ui,sans-serif"],
    ["--s", t.shadow === false ? "none" : "0 4px 16px rgba(0,0,0,.2)"],
  ];
}

function position(s: Slot): string {
  const site = feed?.site;
  const phone = innerWidth < 640;
  const p = (phone ? s.r.mobilePosition || site?.mobile_position : "") || s.r.position || site?.position || "";
  const m: Record<string, string> = { BOTTOM_RIGHT: "br", TOP_LEFT: "tl", TOP_RIGHT: "tr", BOTTOM_CENTER: "bc", TOP_CENTER: "tc" };
  return m[p.replace("WIDGET_POSITION_", "")] || "bl";
}

function utmLink(href: string, c: Campaign): string {
  const site = feed?.site;
  if (!site?.add_utm_to_links) return href;
  const u = new URL(href);
  u.searchParams.set("utm_source", site.utm_source || "socialproof");
  u.searchParams.set("utm_medium", "notification");
  u.searchParams.set("utm_campaign", c.campaign_id);
  return u.href;
}

function show(s: Slot, n: Notification): void {
  mount();
  if (!root || !live) return;
  const c = s.c;
  const wrap = el("div", "w " + position(s));
  for (const [k, v] of theme()) wrap.style.setProperty(k, v);
  const card = el("div", "c");
  card.setAttribute("role", "group");
  card.setAttribute("aria-label", "Notification");
  wrap.append(card);

  const initials = el("div", "i", n.fallback_initials || "★");
  initials.setAttribute("aria-hidden", "true");
  let pic: HTMLElement = initials;
  if (n.image_url) {
    const img = el("img", "i");
    img.alt = "";
    img.src = n.image_url;
    img.onerror = () => img.replaceWith(initials); // broken avatar/product image: initials instead
    pic = img;
  }
  if (n.image_source === "IMAGE_SOURCE_AVATAR") pic.classList.add("av");
  if (n.image_source !== "IMAGE_SOURCE_NONE") card.append(pic);

  const text: HTMLElement = n.link_url ? el("a", "m") : el("div", "m");
  if (n.title_spans.length) text.append(spans(el("p"), n.title_spans, c));
  const body = spans(el("p"), n.body_spans, c);
  if (n.rating) body.prepend(el("span", "v", "★".repeat(Math.round(n.rating)) + " "));
  text.append(body);
  const foot = spans(el("p", "f"), n.footer_spans, c);
  if (n.verified) foot.append(el("span", "v", " ✓ Verified"));
  if (feed?.site.show_branding) foot.append(" · by SocialProof");
  text.append(foot);
  if (n.cta_text) text.append(el("p", "cta", n.cta_text));
  card.append(text);
  if (text instanceof HTMLAnchorElement) {
    text.href = n.link_url;
    if (s.r.newTab) {
      text.target = "_blank";
      text.rel = "noopener";
    }
    text.onclick = () => {
      text.href = utmLink(n.link_url, c); // tagged at click time: the page's links stay clean
      track("CLICK", s, n);
      flush(true);
    };
  } else card.tabIndex = 0; // still reachable by keyboard, so Escape can dismiss it
  if (s.r.closeButton) {
    const x = el("button", "x", "×");
    x.setAttribute("aria-label", "Close notification");
    x.onclick = () => hide(true);
    card.append(x);
  }

  // Impressions count only while the card intersects the viewport and the tab is visible.
  let inView = false;
  let visSince = 0;
  let visible = 0;
  const tick = () => {
    const on = inView && !d.hidden;
    if (visSince) visible += perf.now() - visSince;
    visSince = on ? perf.now() : 0;
    if (on && !firstShown) firstShown = perf.now();
  };
  const io = new IntersectionObserver((e) => {
    inView = e[e.length - 1].isIntersecting;
    tick();
  });
  d.addEventListener("visibilitychange", tick);

  // Display time runs only while not hovered/focused; the remaining time resumes afterwards.
  let left = s.r.display;
  let since = perf.now();
  let hoverAt = 0;
  let t = w.setTimeout(() => hide(), left);
  const pause = () => {
    if (hoverAt) return;
    hoverAt = perf.now();
    if (!s.r.pauseOnHover) return;
    clearTimeout(t);
    left -= perf.now() - since;
  };
  const resume = () => {
    if (!hoverAt || card.matches(":hover") || card.contains(root?.activeElement || null)) return;
    track("HOVER", s, n, { hover_duration: dur(perf.now() - hoverAt) });
    hoverAt = 0;
    if (!s.r.pauseOnHover) return;
    since = perf.now();
    t = w.setTimeout(() => hide(), Math.max(left, 1000));
  };
  card.onpointerenter = pause;
  card.onpointerleave = resume;
  card.addEventListener("focusin", pause);
  card.addEventListener("focusout", () => setTimeout(resume));
  card.onkeydown = (e) => {
    if (e.key === "Escape") hide(true);
  };

  let done = false;
  const hide = (closed?: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(t);
    tick();
    io.disconnect();
    d.removeEventListener("visibilitychange", tick);
    if (hoverAt) track("HOVER", s, n, { hover_duration: dur(perf.now() - hoverAt) });
    if (visible > 0) track("IMPRESSION", s, n, { visible_duration: dur(visible) });
    if (closed) {
      track("CLOSE", s, n);
      st.x.push(c.campaign_id); // closing stops this campaign for the session
      save();
    }
    current = undefined;
    card.classList.remove("on");
    setTimeout(() => wrap.remove(), reduced() ? 0 : 300);
    if (!closed || slots.some((o) => !st.x.includes(o.c.campaign_id)))
      timer = w.setTimeout(next, s.r.minGap + Math.random() * Math.max(0, s.r.maxGap - s.r.minGap));
  };
  current = { hide };

  s.shown++;
  st.n[c.campaign_id] = (st.n[c.campaign_id] || 0) + 1;
  st.seen[n.notification_id] = now();
  save();
  root.append(wrap);
  live.textContent = n.accessible_text;
  io.observe(card);
  // next frame: the transition needs the initial style applied first
  requestAnimationFrame(() => requestAnimationFrame(() => card.classList.add("on")));
}

const reduced = () => matchMedia("(prefers-reduced-motion:reduce)").matches;

// --- live updates and presence ------------------------------------------------------------------
let es: EventSource | undefined;
let backoff = 1000;
let lastEvent = "";
let hbTimer = 0;

function connect(): void {
  if (stopped || !feed) return;
  const q = new URLSearchParams({ "page.url": pageUrl(), "page.device_type": device() });
  if (feed.cache?.feed_version) q.set("feed_version", feed.cache.feed_version);
  if (lastEvent) q.set("last_event_id", lastEvent);
  es = new EventSource(base + "live?" + q);
  es.onmessage = (m) => {
    backoff = 1000;
    work(() => onLive(JSON.parse(m.data) as Obj));
  };
  // reconnect ourselves (with backoff and jitter) instead of EventSource's fixed 3 s retry
  es.onerror = () => reconnect(0);
}

/** After a failure: exponential backoff with jitter; after a normal end: the server's delay + jitter. */
function reconnect(after: number): void {
  es?.close();
  es = undefined;
  if (stopped) return;
  if (!after) backoff = Math.min(backoff * 2, 60000);
  w.setTimeout(connect, after ? after + Math.random() * 500 : backoff / 2 + Math.random() * backoff);
}

function onLive(e: Obj): void {
  lastEvent = String(e.event_id || lastEvent);
  const push = e.notification as { campaign_id: string; notification: Notification } | undefined;
  if (push) {
    const s = slots.find((x) => x.c.campaign_id === push.campaign_id);
    const n = push.notification;
    // arms the visitor is not in are dropped; the newest activity goes next in line
    const dup = s?.items.some((x) => x.notification_id === n.notification_id);
    if (s && !dup && (!s.c.experiment_id || n.variant_id === s.arm)) {
      s.items.splice(s.i, 0, n);
      if (idle && !stopped) {
        idle = false;
        next();
      }
    }
  }
  const ret = e.retracted as { notification_ids?: string[] } | undefined;
  if (ret?.notification_ids) for (const s of slots) s.items = s.items.filter((n) => !ret.notification_ids?.includes(n.notification_id));
  if (e.live_counts) counts = e.live_counts as LiveCounts;
  if (e.feed_changed) void fetchFeed((e.feed_changed as { feed_version?: string }).feed_version).catch(() => 0);
  const end = (e.end_of_stream || e.error) as { reason?: string; retryable?: boolean; reconnect_after?: string; retry_after?: string } | undefined;
  if (end) {
    const final = /SITE_UNAVAILABLE|NOT_ENTITLED/.test(end.reason || "") || end.retryable === false;
    if (final) {
      es?.close();
      es = undefined;
    } else reconnect(ms(end.reconnect_after || end.retry_after, 0));
  }
}

function presence(leaving: boolean): void {
  clearTimeout(hbTimer);
  if (stopped || !feed?.site.heartbeat_interval) return;
  const token = d.querySelector<HTMLMetaElement>('meta[name="socialproof-site-verification"]')?.content || "";
  const body = JSON.stringify({
    visitor_id: st.v,
    page_url: pageUrl(),
    leaving,
    verification_token: token,
    device_type: device(),
    widget_version: V,
  });
  if (leaving) {
    nav.sendBeacon?.(base + "presence", body);
    return;
  }
  let wait = ms(feed.site.heartbeat_interval, 30000);
  if (!d.hidden)
    post("presence", body)
      .then((r) => r.json())
      .then((r: { live_counts?: LiveCounts; next_heartbeat?: string }) => {
        if (r.live_counts) counts = r.live_counts;
        wait = ms(r.next_heartbeat, wait);
      })
      .catch(() => 0)
      .finally(() => {
        clearTimeout(hbTimer);
        if (!stopped) hbTimer = w.setTimeout(() => presence(false), wait);
      });
  else hbTimer = w.setTimeout(() => presence(false), wait);
}

// --- goals --------------------------------------------------------------------------------------
/** `*` matches any run of characters; a pattern without `*` must be contained in the page URL. */
function urlMatches(pattern: string): boolean {
  const url = pageUrl();
  if (!pattern.includes("*")) return url.includes(pattern);
  return RegExp(globRx(pattern)).test(url);
}

function checkUrlGoals(): void {
  if (!feed) return;
  for (const g of urlGoals.splice(0))
    if (urlMatches(g.pattern)) track("CONVERSION", undefined, undefined, { conversion: { goal_name: g.name, url_match: true } });
}

// --- form capture -----------------------------------------------------------------------------
/** Opt-in per site: only when the site's config enables it, never under DNT/GPC, after stop/opt-out or
 * on plain-http pages, and, when the site requires it, only after consent. Posts the matched rule's
 * allow-listed fields. */
function forms(): void {
  fetch(base + "forms", { credentials: "omit" })
    .then((r) => r.json())
    .then((c: { enabled: boolean; require_consent: boolean; rules: FormRule[] }) => {
      if (c.enabled)
        d.addEventListener(
          "submit",
          (e) => {
            const f = e.target as HTMLFormElement;
            const url = pageUrl();
            const ok = st.c === 1; // consent given now or stored (DNT/GPC never get here)
            const r = !stopped && (ok || !c.require_consent) && ruleFor(c.rules, f, url);
            if (r)
              post(
                "forms",
                JSON.stringify({
                  submission_id: uuid(),
                  rule_id: r.rule_id,
                  page_url: url,
                  fields: fields(f.elements as unknown as HTMLInputElement[], r.allowed_fields),
                  visitor_id: st.v,
                  consent_given: ok,
                  occurred_at: new Date().toISOString(),
                }),
              ).catch(() => 0);
          },
          true, // capture phase: runs even when the page's own handler stops the event
        );
    })
    .catch(() => 0);
}

/** The config only matters where a form can be submitted, and the feed cannot say whether the site
 * opted in (that is integrations' setting): asked for once the page is parsed if it has a form, else at
 * the first focus or press inside a form added later (a signup popup), so form-less pages ask nothing. */
function formsWhenNeeded(): void {
  let asked = 0;
  const ask = (e?: Event): void => {
    if (!asked && !stopped && (e ? (e.target as Element).closest("form") : d.forms.length)) asked = 1, forms();
  };
  for (const t of ["focusin", "pointerdown"]) d.addEventListener(t, ask, true);
  d.readyState == "loading" ? d.addEventListener("DOMContentLoaded", () => ask()) : ask();
}

// --- public API ---------------------------------------------------------------------------------
function stop(): void {
  stopped = true;
  clearTimeout(timer);
  clearTimeout(hbTimer);
  clearTimeout(flushTimer);
  queue.length = 0;
  es?.close();
  current?.hide();
  host?.remove();
  host = undefined;
}

function command(cmd: string, arg?: unknown): void {
  const a = (arg || {}) as Obj;
  if (cmd === "goal") {
    const g: Obj = { goal_name: String(a.name || "") };
    const cur = String(a.currency || "").toUpperCase();
    if (typeof a.value === "number" && /^[A-Z]{3}$/.test(cur)) {
      // minor units per ISO 4217 (a table, not Intl.NumberFormat: its first use is a ~100 ms task)
      const digits = /BHD|IQD|JOD|KWD|LYD|OMR|TND/.test(cur) ? 3 : /BIF|CLP|DJF|GNF|ISK|JPY|KMF|KRW|PYG|RWF|UGX|VND|VUV|XAF|XOF|XPF/.test(cur) ? 0 : 2;
      g.value = { amount_minor: String(Math.round(a.value * 10 ** digits)), currency_code: cur };
    }
    if (a.order_ref) g.order_ref = String(a.order_ref);
    if (a.url) urlGoals.push({ name: String(a.name), pattern: String(a.url) });
    else if (feed) track("CONVERSION", undefined, undefined, { conversion: g });
    else pending.push(() => command(cmd, arg)); // before the feed: send once we know the site
    checkUrlGoals();
  } else if (cmd === "consent") {
    consent = arg !== false;
    if (!st) return;
    if (consent) {
      if (dnt) return; // Do-Not-Track / GPC win: stay anonymous, keep this page's id
      st.c = 1;
      persist = true;
      save();
    } else {
      store((s) => s.removeItem(KEY));
      goAnonymous();
    }
  } else if (cmd === "stop") stop();
  else if (cmd === "optout") {
    store((s) => s.setItem(OPTOUT, "1"));
    store((s) => s.removeItem(KEY));
    stop();
  } else if (cmd === "optin") store((s) => s.removeItem(OPTOUT));
}
const pending: (() => void)[] = [];

function main(): void {
  const queued = Array.from(w.socialproof?.q || []);
  w.socialproof = (cmd, arg) => command(cmd, arg);
  if (!siteKey || store((s) => s.getItem(OPTOUT)) === "1") {
    stopped = true;
    return;
  }
  st = load();
  for (const args of queued) command(args[0] as string, args[1]);
  if (stopped) return;
  observeCost();
  d.addEventListener("visibilitychange", () => {
    if (d.hidden) {
      sendPerformance();
      flush(true);
    } else if (waitVisible) {
      waitVisible = false;
      next();
    }
  });
  w.addEventListener("pagehide", () => {
    current?.hide();
    sendPerformance();
    presence(true);
    flush(true);
  });
  if (!dnt && isSecureContext) formsWhenNeeded();
  fetchFeed()
    .then(() => pending.splice(0).forEach((f) => f()))
    .catch(() => 0);
}

work(main);
