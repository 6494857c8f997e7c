// The campaign builder: type, template with a live server-rendered preview, targeting, display
// rules, A/B variants with a holdout, schedule, then save and publish/pause. Viewers and analysts
// get the same screen read-only (disabled fieldset, no action buttons).
import { useEffect, useState } from "react";
import { create, clone } from "@bufbuild/protobuf";
import { DurationSchema, FieldMaskSchema, timestampDate, timestampFromDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  CampaignSchema,
  CampaignService,
  CampaignState,
  CampaignStateSchema,
  LiveCountScope,
  AggregateMetric,
  type Campaign,
} from "@gen/socialproof/notifications/v1/campaigns_pb";
import {
  CampaignType,
  CampaignTypeSchema,
  ImageSourceSchema,
  TemplateService,
  type PreviewTemplateResponse,
} from "@gen/socialproof/notifications/v1/templates_pb";
import { MatchTypeSchema, RuleAction, RuleActionSchema, MatchType, UrlComponent, VisitorTypeSchema, WeekdaySchema } from "@gen/socialproof/notifications/v1/targeting_pb";
import { WidgetPositionSchema } from "@gen/socialproof/notifications/v1/sites_pb";
import { DeviceTypeSchema } from "@gen/socialproof/common/v1/common_pb";
import { describe, unclaimed, type ShownError } from "../api/errors";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { idOf, navigate } from "../router";
import { Async, Button, CheckField, EnumField, ErrorBox, Field, Heading, TextField, enumLabel, enumOptions, newRequestId, useAction, useCall } from "../ui/kit";

const campaigns = () => client(CampaignService);
const secs = (d: Duration | undefined): string => (d ? String(Number(d.seconds)) : "");
const dur = (s: string): Duration | undefined => (s === "" ? undefined : create(DurationSchema, { seconds: BigInt(Math.round(Number(s))) }));

// Paths sent in update_mask: everything the builder edits (type is immutable).
const EDITABLE = ["display_name", "priority", "content", "targeting", "display_rules", "experiment",
  "recent_activity", "live_visitors", "aggregate_counter", "review", "announcement"];

function blank(): Campaign {
  return create(CampaignSchema, {
    type: CampaignType.RECENT_ACTIVITY,
    content: { ...STARTER[CampaignType.RECENT_ACTIVITY], showVerifiedMark: true },
    config: { case: "recentActivity", value: { maxAge: dur("604800") } },
    displayRules: { firstDelay: dur("3"), displayDuration: dur("7"), minGap: dur("12"), maxGap: dur("20") },
    targeting: {},
    experiment: { variants: [], holdoutBasisPoints: 0 },
  });
}

// Starter text per type, using only variables the server allows for that type.
const STARTER: Record<number, { title: string; body: string; footer: string }> = {
  [CampaignType.RECENT_ACTIVITY]: { title: '{{ first_name | default: "Someone" }} from {{ city | default: "nearby" }}', body: 'bought {{ product.name | default: "an item" }}', footer: "{{ occurred_at | relative_time }}" },
  [CampaignType.LIVE_VISITORS]: { title: "{{ live_count }} people", body: "are viewing this page right now", footer: "" },
  [CampaignType.AGGREGATE_COUNTER]: { title: "{{ count | number }} people", body: "signed up {{ window }}", footer: "" },
  [CampaignType.REVIEW]: { title: '{{ first_name | default: "A customer" }} rated {{ rating }}/5', body: "{{ review.text }}", footer: "{{ occurred_at | relative_time }}" },
  [CampaignType.ANNOUNCEMENT]: { title: "Free shipping this week", body: "On every order at {{ site.name }}", footer: "" },
};

/** The oneof config must match the type (the server refuses a mismatch); new campaigns also get starter text. */
function withConfigFor(c: Campaign, type: CampaignType): Campaign {
  const next = clone(CampaignSchema, c);
  next.type = type;
  if (!c.name && STARTER[type]) Object.assign(next.content!, STARTER[type]);
  switch (type) {
    case CampaignType.LIVE_VISITORS:
      next.config = { case: "liveVisitors", value: { $typeName: "socialproof.notifications.v1.LiveVisitorsConfig", scope: LiveCountScope.PAGE, minCount: 3 } };
      break;
    case CampaignType.AGGREGATE_COUNTER:
      next.config = { case: "aggregateCounter", value: { $typeName: "socialproof.notifications.v1.AggregateCounterConfig", metric: AggregateMetric.ACTIVITY_COUNT, lookBack: dur("604800"), minCount: 5n } };
      break;
    case CampaignType.REVIEW:
      next.config = { case: "review", value: { $typeName: "socialproof.notifications.v1.ReviewConfig", minRating: 4, requireText: false, maxItems: 20, anonymity: 0 } };
      break;
    case CampaignType.ANNOUNCEMENT:
      next.config = { case: "announcement", value: { $typeName: "socialproof.notifications.v1.AnnouncementConfig", oncePerVisitor: true } };
      break;
    default:
      next.config = { case: "recentActivity", value: { $typeName: "socialproof.notifications.v1.RecentActivityConfig", maxAge: dur("604800"), maxItems: 20, minItems: 0, anonymity: 0 } };
  }
  return next;
}

export function CampaignBuilder({ siteId, campaignId }: { siteId: string; campaignId: string | null }) {
  const { org } = useOrg();
  const site = `${org.name}/sites/${siteId}`;
  const loaded = useCall(
    () => (campaignId ? campaigns().getCampaign({ name: `${site}/campaigns/${campaignId}` }).then((r) => r.campaign ?? blank()) : Promise.resolve(blank())),
    [site, campaignId],
  );
  return (
    <section>
      <p>
        <a href={`#/sites/${siteId}`}>← Site</a>
      </p>
      <Async call={loaded}>{(c) => <Editor key={c.name + c.etag} site={site} siteId={siteId} initial={c} />}</Async>
    </section>
  );
}

function Editor({ site, siteId, initial }: { site: string; siteId: string; initial: Campaign }) {
  const { can } = useOrg();
  const editable = can(initial.name ? "campaigns.update" : "campaigns.create");
  const [c, setC] = useState(initial);
  const [requestId] = useState(newRequestId);
  const edit = (f: (d: Campaign) => void) =>
    setC((prev) => {
      const next = clone(CampaignSchema, prev);
      f(next);
      return next;
    });

  const save = useAction(async () => {
    if (!c.name) return (await campaigns().createCampaign({ parent: site, campaign: c, requestId })).campaign;
    const mask = create(FieldMaskSchema, { paths: EDITABLE.filter((p) => !isOtherConfig(c, p)) });
    return (await campaigns().updateCampaign({ campaign: c, updateMask: mask })).campaign;
  });
  const transition = useAction(async (to: "publish" | "pause") => {
    const req = { name: c.name, etag: c.etag };
    return (to === "publish" ? await campaigns().publishCampaign(req) : await campaigns().pauseCampaign(req)).campaign;
  });
  const error = save.error ?? transition.error;

  const onSave = async () => {
    const saved = await save.run();
    if (saved) {
      if (!c.name) navigate(`sites/${siteId}/campaigns/${idOf(saved.name)}`);
      else setC(saved);
    }
  };
  const onTransition = async (to: "publish" | "pause") => {
    // Publishing saves first, so what goes live is what is on screen.
    if (to === "publish" && editable) {
      const saved = await save.run();
      if (!saved) return;
      setC(saved);
      const r = await campaigns().publishCampaign({ name: saved.name, etag: saved.etag }).catch((e: unknown) => {
        transition.setError(describe(e));
        return undefined;
      });
      if (r?.campaign) setC(r.campaign);
      return;
    }
    const next = await transition.run(to);
    if (next) setC(next);
  };

  return (
    <>
      <Heading>{initial.name ? initial.displayName : "New campaign"}</Heading>
      {initial.name && (
        <p>
          State: <strong data-testid="builder-state">{enumLabel(CampaignStateSchema, c.state)}</strong>
          {!editable && <span className="muted"> · read-only for your role</span>}
        </p>
      )}
      <form
        noValidate
        aria-label="Campaign"
        onSubmit={(e) => {
          e.preventDefault();
          void onSave();
        }}
      >
        <fieldset disabled={!editable} className="plain">
          <div className="builder">
            <div>
              <h2>Basics</h2>
              <TextField label="Campaign name" path="campaign.display_name" error={error} value={c.displayName} onChange={(v) => edit((d) => (d.displayName = v))} />
              {initial.name ? (
                <p>Type: {enumLabel(CampaignTypeSchema, c.type)}</p>
              ) : (
                <EnumField label="Type" path="campaign.type" error={error} schema={CampaignTypeSchema} value={c.type} onChange={(v) => setC(withConfigFor(c, v))} />
              )}
              <TextField label="Priority" path="campaign.priority" type="number" error={error} value={String(c.priority)} onChange={(v) => edit((d) => (d.priority = Number(v) || 0))} />
              <h2>Template</h2>
              <Template c={c} edit={edit} error={error} />
            </div>
            <Preview site={site} c={c} />
          </div>
          <h2>Targeting</h2>
          <Targeting c={c} edit={edit} error={error} />
          <h2>Display rules</h2>
          <Display c={c} edit={edit} error={error} />
          <h2>A/B test and holdout</h2>
          <Experiment c={c} edit={edit} error={error} />
        </fieldset>
        {error && unclaimed(error, FIELD_PATHS).length > 0 && (
          <ul className="field-error" data-testid="unclaimed-violations">
            {unclaimed(error, FIELD_PATHS).map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <ErrorBox error={error} title="The server refused the campaign" />
        {editable && (
          <div className="row actions">
            <Button type="submit" kind="primary" busy={save.busy} testId="save-campaign">
              {initial.name ? "Save" : "Create campaign"}
            </Button>
            {c.name && c.state !== CampaignState.PUBLISHED && can("campaigns.publish") && (
              <Button busy={save.busy || transition.busy} onClick={() => void onTransition("publish")} testId="publish-campaign">
                Publish
              </Button>
            )}
            {c.name && c.state === CampaignState.PUBLISHED && can("campaigns.publish") && (
              <Button busy={transition.busy} onClick={() => void onTransition("pause")} testId="pause-campaign">
                Pause
              </Button>
            )}
          </div>
        )}
      </form>
    </>
  );
}

// Paths rendered beside a field; other violations are listed above the error box.
const FIELD_PATHS = [
  "campaign.display_name", "campaign.type", "campaign.priority", "campaign.content.title", "campaign.content.body",
  "campaign.content.footer", "campaign.content.cta_text", "campaign.content.link_url", "campaign.content.image_source",
  "campaign.display_rules.first_delay", "campaign.display_rules.display_duration", "campaign.display_rules.min_gap",
  "campaign.display_rules.max_gap", "campaign.display_rules.max_per_page", "campaign.display_rules.max_per_session",
  "campaign.display_rules.position", "campaign.experiment.holdout_basis_points", "campaign.targeting.include_country_codes",
  "campaign.targeting.schedule.start_time", "campaign.targeting.schedule.end_time",
];

function isOtherConfig(c: Campaign, path: string): boolean {
  const cases: Record<string, string> = { recent_activity: "recentActivity", live_visitors: "liveVisitors", aggregate_counter: "aggregateCounter", review: "review", announcement: "announcement" };
  return path in cases && cases[path] !== c.config.case;
}

interface Part {
  c: Campaign;
  edit: (f: (d: Campaign) => void) => void;
  error: ShownError | null;
}

function Template({ c, edit, error }: Part) {
  const content = c.content!;
  const text = (label: string, key: "title" | "body" | "footer" | "ctaText" | "linkUrl", path: string, multiline = false) => (
    <TextField label={label} path={`campaign.content.${path}`} error={error} multiline={multiline} value={content[key]} onChange={(v) => edit((d) => (d.content![key] = v))} />
  );
  return (
    <>
      {text("Title", "title", "title")}
      {text("Body", "body", "body", true)}
      {text("Footer", "footer", "footer")}
      {text("Button text", "ctaText", "cta_text")}
      {text("Link URL", "linkUrl", "link_url")}
      <EnumField label="Image" path="campaign.content.image_source" error={error} schema={ImageSourceSchema} value={content.imageSource} onChange={(v) => edit((d) => (d.content!.imageSource = v))} />
      <CheckField label="Show the verified mark" checked={content.showVerifiedMark} onChange={(v) => edit((d) => (d.content!.showVerifiedMark = v))} />
      <p className="muted">
        Variables depend on the type, e.g. <code>{"{{ first_name | default: \"Someone\" }}"}</code>, <code>{"{{ city }}"}</code>,{" "}
        <code>{"{{ product.name }}"}</code>, <code>{"{{ occurred_at | relative_time }}"}</code>, <code>{"{{ live_count }}"}</code>,{" "}
        <code>{"{{ count | number }}"}</code>. Filters: default, capitalize, upcase, downcase, truncate, number, currency.
      </p>
    </>
  );
}

/** Renders the unsaved content on the server (PreviewTemplate) a moment after typing stops. */
function Preview({ site, c }: { site: string; c: Campaign }) {
  const [state, setState] = useState<{ r?: PreviewTemplateResponse; error?: ShownError; busy: boolean }>({ busy: true });
  const content = c.content!;
  const key = JSON.stringify([c.type, content.title, content.body, content.footer, content.ctaText, content.linkUrl, content.imageSource, content.showVerifiedMark]);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, busy: true }));
    const t = window.setTimeout(() => {
      client(TemplateService)
        .previewTemplate({ parent: site, campaignType: c.type, content, count: 12n, liveCount: 31n })
        .then(
          (r) => live && setState({ r, busy: false }),
          (e: unknown) => live && setState({ error: describe(e), busy: false }),
        );
    }, 350);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [site, key]);
  const n = state.r?.notification;
  // A relative-time span carries the instant; the widget words it in the visitor's clock, so do the same.
  const spans = (list: { text: string; emphasized: boolean; relativeTime?: Timestamp }[] | undefined) =>
    list?.map((s, i) => {
      const t = s.text || (s.relativeTime ? ago(timestampDate(s.relativeTime)) : "");
      return s.emphasized ? <strong key={i}>{t}</strong> : <span key={i}>{t}</span>;
    });
  return (
    <aside className="preview" aria-label="Live preview" aria-busy={state.busy}>
      <h2>Preview</h2>
      {state.error && <ErrorBox error={state.error} title="Preview unavailable" />}
      {n && (
        <div className="toast" data-testid="preview">
          {n.imageUrl ? <img src={n.imageUrl} alt="" width={48} height={48} /> : <span className="avatar" aria-hidden="true">{n.fallbackInitials || "•"}</span>}
          <div>
            <p className="toast-title">{spans(n.titleSpans)}</p>
            <p>{spans(n.bodySpans)}</p>
            <p className="muted">
              {spans(n.footerSpans)} {n.verified && <span className="verified">✓ Verified</span>}
            </p>
            {n.ctaText && <span className="cta">{n.ctaText}</span>}
          </div>
        </div>
      )}
      {state.r && state.r.issues.length > 0 && (
        <ul className="issues" aria-label="Template issues">
          {state.r.issues.map((i, k) => (
            <li key={k}>
              <code>{i.field}</code> {i.line > 0 && `line ${i.line}:${i.column} `}
              {i.message}
            </li>
          ))}
        </ul>
      )}
      {!state.r && !state.error && <p className="muted" role="status">Rendering…</p>}
    </aside>
  );
}

function ago(when: Date): string {
  const minutes = Math.max(0, Math.round((Date.now() - when.getTime()) / 60_000));
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  if (minutes < 60) return fmt.format(-minutes, "minute");
  if (minutes < 48 * 60) return fmt.format(-Math.round(minutes / 60), "hour");
  return fmt.format(-Math.round(minutes / 1440), "day");
}

function Targeting({ c, edit, error }: Part) {
  const t = c.targeting!;
  const schedule = t.schedule;
  const local = (ts: Timestamp | undefined) => (ts ? timestampDate(ts).toISOString().slice(0, 16) : "");
  return (
    <>
      <fieldset>
        <legend>Pages (URL rules)</legend>
        {t.urlRules.length === 0 && <p className="muted">No rules: every page of the site.</p>}
        {t.urlRules.map((r, i) => (
          <div className="row rule" key={i}>
            <EnumField label={`Rule ${i + 1} action`} path={`campaign.targeting.url_rules[${i}].action`} error={error} schema={RuleActionSchema} value={r.action} onChange={(v) => edit((d) => (d.targeting!.urlRules[i]!.action = v))} />
            <EnumField label="Match" path={`campaign.targeting.url_rules[${i}].match_type`} error={error} schema={MatchTypeSchema} value={r.matchType} onChange={(v) => edit((d) => (d.targeting!.urlRules[i]!.matchType = v))} />
            <TextField label="Pattern" path={`campaign.targeting.url_rules[${i}].pattern`} error={error} value={r.pattern} onChange={(v) => edit((d) => (d.targeting!.urlRules[i]!.pattern = v))} />
            <Button onClick={() => edit((d) => d.targeting!.urlRules.splice(i, 1))}>Remove rule {i + 1}</Button>
          </div>
        ))}
        <Button
          onClick={() =>
            edit((d) =>
              d.targeting!.urlRules.push({
                $typeName: "socialproof.notifications.v1.UrlRule",
                action: RuleAction.INCLUDE,
                matchType: MatchType.CONTAINS,
                pattern: "",
                component: UrlComponent.PATH,
                ignoreCase: true,
              }),
            )
          }
        >
          Add URL rule
        </Button>
      </fieldset>
      <fieldset>
        <legend>Devices</legend>
        {enumOptions(DeviceTypeSchema).map((o) => (
          <CheckField
            key={o.value}
            label={o.label}
            checked={t.deviceTypes.includes(o.value)}
            onChange={(on) => edit((d) => (d.targeting!.deviceTypes = on ? [...d.targeting!.deviceTypes, o.value] : d.targeting!.deviceTypes.filter((x) => x !== o.value)))}
          />
        ))}
      </fieldset>
      <TextField
        label="Only these countries"
        path="campaign.targeting.include_country_codes"
        hint="ISO codes, comma separated (e.g. CZ, DE); empty means everywhere"
        error={error}
        value={t.includeCountryCodes.join(", ")}
        onChange={(v) => edit((d) => (d.targeting!.includeCountryCodes = v.split(",").map((x) => x.trim().toUpperCase()).filter(Boolean)))}
      />
      <EnumField label="Visitors" path="campaign.targeting.visitor_type" error={error} schema={VisitorTypeSchema} value={t.visitorType} onChange={(v) => edit((d) => (d.targeting!.visitorType = v))} />
      <fieldset>
        <legend>Schedule</legend>
        <Field label="Starts (UTC)" path="campaign.targeting.schedule.start_time" error={error}>
          {(a) => (
            <input {...a} type="datetime-local" value={local(schedule?.startTime)} onChange={(e) => edit((d) => ((d.targeting!.schedule ??= { $typeName: "socialproof.notifications.v1.Schedule", weekdays: [], dailyWindows: [] }).startTime = e.target.value ? timestampFromDate(new Date(e.target.value + "Z")) : undefined))} />
          )}
        </Field>
        <Field label="Ends (UTC)" path="campaign.targeting.schedule.end_time" error={error}>
          {(a) => (
            <input {...a} type="datetime-local" value={local(schedule?.endTime)} onChange={(e) => edit((d) => ((d.targeting!.schedule ??= { $typeName: "socialproof.notifications.v1.Schedule", weekdays: [], dailyWindows: [] }).endTime = e.target.value ? timestampFromDate(new Date(e.target.value + "Z")) : undefined))} />
          )}
        </Field>
        <div className="row" role="group" aria-label="Weekdays (none means every day)">
          {enumOptions(WeekdaySchema).map((o) => (
            <CheckField
              key={o.value}
              label={o.label.slice(0, 3)}
              checked={schedule?.weekdays.includes(o.value) ?? false}
              onChange={(on) =>
                edit((d) => {
                  const s = (d.targeting!.schedule ??= { $typeName: "socialproof.notifications.v1.Schedule", weekdays: [], dailyWindows: [] });
                  s.weekdays = on ? [...s.weekdays, o.value] : s.weekdays.filter((x) => x !== o.value);
                })
              }
            />
          ))}
        </div>
      </fieldset>
    </>
  );
}

function Display({ c, edit, error }: Part) {
  const r = c.displayRules!;
  const seconds = (label: string, key: "firstDelay" | "displayDuration" | "minGap" | "maxGap", path: string) => (
    <TextField label={label} path={`campaign.display_rules.${path}`} type="number" error={error} value={secs(r[key])} onChange={(v) => edit((d) => (d.displayRules![key] = dur(v)))} />
  );
  const count = (label: string, key: "maxPerPage" | "maxPerSession", path: string) => (
    <TextField label={label} path={`campaign.display_rules.${path}`} type="number" error={error} value={r[key] === undefined ? "" : String(r[key])} onChange={(v) => edit((d) => (d.displayRules![key] = v === "" ? undefined : Number(v)))} />
  );
  return (
    <div className="grid">
      {seconds("First delay (s)", "firstDelay", "first_delay")}
      {seconds("Display time (s)", "displayDuration", "display_duration")}
      {seconds("Gap, shortest (s)", "minGap", "min_gap")}
      {seconds("Gap, longest (s)", "maxGap", "max_gap")}
      {count("Max per page", "maxPerPage", "max_per_page")}
      {count("Max per session", "maxPerSession", "max_per_session")}
      <EnumField label="Position" path="campaign.display_rules.position" error={error} schema={WidgetPositionSchema} value={r.position} onChange={(v) => edit((d) => (d.displayRules!.position = v))} />
      <CheckField label="Pause on hover or focus" checked={r.pauseOnHover ?? true} onChange={(v) => edit((d) => (d.displayRules!.pauseOnHover = v))} />
      <CheckField label="Hide a visitor's own activity" checked={r.hideOwnActivity ?? true} onChange={(v) => edit((d) => (d.displayRules!.hideOwnActivity = v))} />
    </div>
  );
}

function Experiment({ c, edit, error }: Part) {
  const x = c.experiment!;
  return (
    <>
      <TextField
        label="Holdout (% of visitors who see nothing)"
        path="campaign.experiment.holdout_basis_points"
        type="number"
        hint="0–50 %. The holdout measures real lift in conversions and revenue."
        error={error}
        value={String(x.holdoutBasisPoints / 100)}
        onChange={(v) => edit((d) => (d.experiment!.holdoutBasisPoints = Math.round(Number(v) * 100)))}
      />
      {x.variants.length === 0 && <p className="muted">No A/B test: everyone outside the holdout sees the template above.</p>}
      {x.variants.map((v, i) => (
        <fieldset key={i}>
          <legend>Variant {v.variantId || i + 1}</legend>
          <div className="grid">
            <TextField label="Variant id" path={`campaign.experiment.variants[${i}].variant_id`} error={error} value={v.variantId} onChange={(s) => edit((d) => (d.experiment!.variants[i]!.variantId = s))} />
            <TextField label="Label" path={`campaign.experiment.variants[${i}].display_name`} error={error} value={v.displayName} onChange={(s) => edit((d) => (d.experiment!.variants[i]!.displayName = s))} />
            <TextField label="Weight" path={`campaign.experiment.variants[${i}].weight`} type="number" error={error} value={String(v.weight)} onChange={(s) => edit((d) => (d.experiment!.variants[i]!.weight = Number(s) || 0))} />
            <TextField label="Title override" path={`campaign.experiment.variants[${i}].content.title`} error={error} value={v.content?.title ?? ""} onChange={(s) => edit((d) => (d.experiment!.variants[i]!.content = { ...(d.content ?? {}), ...(d.experiment!.variants[i]!.content ?? {}), $typeName: "socialproof.notifications.v1.TemplateContent", title: s } as typeof v.content))} />
          </div>
          <Button onClick={() => edit((d) => d.experiment!.variants.splice(i, 1))}>Remove variant {i + 1}</Button>
        </fieldset>
      ))}
      {x.variants.length < 5 && (
        <Button
          onClick={() =>
            edit((d) => {
              const n = d.experiment!.variants.length;
              // An A/B test needs at least two arms: the first click adds the control too.
              const add = n === 0 ? ["control", "b"] : [String.fromCharCode(97 + n)];
              for (const id of add) d.experiment!.variants.push({ $typeName: "socialproof.notifications.v1.Variant", variantId: id, displayName: id === "control" ? "Control" : `Variant ${id.toUpperCase()}`, weight: 50 });
            })
          }
        >
          Add variant
        </Button>
      )}
    </>
  );
}
