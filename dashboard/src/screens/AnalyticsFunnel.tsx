// The funnel on the Analytics screen: ordered steps (event type, optional campaign, page or goal), run by
// MetricsService.QueryFunnel, shown as bars with visitors and the conversion per step.
import { useState } from "react";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { MetricsService, type FunnelResult } from "@gen/socialproof/analytics/v1/metrics_pb";
import { WidgetEventType, WidgetEventTypeSchema } from "@gen/socialproof/events/v1/analytics_events_pb";
import type { Campaign } from "@gen/socialproof/notifications/v1/campaigns_pb";
import type { TimeRange } from "@gen/socialproof/common/v1/common_pb";
import { unclaimed } from "../api/errors";
import { client } from "../api/transport";
import { idOf } from "../router";
import { Async, Button, CheckField, EnumField, ErrorBox, Field, TextField, enumLabel, useCall } from "../ui/kit";

interface StepDraft {
  label: string;
  type: WidgetEventType;
  campaign: string;
  /** Page URL glob (page views) or goal name (conversions). */
  detail: string;
}

const STEP_TYPES = [
  WidgetEventType.PAGE_VIEW, WidgetEventType.IMPRESSION, WidgetEventType.HOVER, WidgetEventType.CLICK,
  WidgetEventType.CLOSE, WidgetEventType.CONVERSION,
];
const STARTER: StepDraft[] = [
  { label: "Saw a notification", type: WidgetEventType.IMPRESSION, campaign: "", detail: "" },
  { label: "Clicked it", type: WidgetEventType.CLICK, campaign: "", detail: "" },
  { label: "Converted", type: WidgetEventType.CONVERSION, campaign: "", detail: "" },
];
const MIN_STEPS = 2;
const MAX_STEPS = 8;

const pct1 = (x: number) => `${(x * 100).toFixed(1)} %`;

function took(d: Duration | undefined): string {
  if (!d) return "";
  const s = Number(d.seconds);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

export function Funnel({ site, range, campaigns }: { site: string; range: () => TimeRange; campaigns: Campaign[] }) {
  const [draft, setDraft] = useState<StepDraft[]>(STARTER);
  // The steps of the shown result; the query runs when they (or the site/period) change.
  const [asked, setAsked] = useState<{ steps: StepDraft[]; split: boolean }>({ steps: STARTER, split: false });
  const [split, setSplit] = useState(false);
  const result = useCall(
    () =>
      client(MetricsService).queryFunnel({
        parent: site,
        timeRange: range(),
        splitByVariant: asked.split,
        steps: asked.steps.map((s) => ({
          displayName: s.label || enumLabel(WidgetEventTypeSchema, s.type),
          eventType: s.type,
          campaignId: s.campaign,
          pageUrlPattern: s.type === WidgetEventType.PAGE_VIEW ? s.detail : "",
          goalName: s.type === WidgetEventType.CONVERSION ? s.detail : "",
        })),
      }),
    [site, asked],
  );
  const set = (i: number, patch: Partial<StepDraft>) => setDraft(draft.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const paths = draft.flatMap((_, i) => [`steps[${i}].display_name`, `steps[${i}].event_type`, `steps[${i}].campaign_id`, `steps[${i}].page_url_pattern`, `steps[${i}].goal_name`]);
  const stray = unclaimed(result.error, paths);
  return (
    <>
      <h2>Funnel</h2>
      <form
        className="panel"
        aria-label="Funnel steps"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ steps: draft, split });
        }}
      >
        <ol className="funnel-steps">
          {draft.map((s, i) => (
            <li key={i}>
              <fieldset className="plain row">
                <legend className="sr-only">Step {i + 1}</legend>
                <TextField label={`Step ${i + 1} name`} path={`steps[${i}].display_name`} error={result.error} value={s.label} onChange={(v) => set(i, { label: v })} />
                <EnumField label="Event" path={`steps[${i}].event_type`} error={result.error} schema={WidgetEventTypeSchema} only={STEP_TYPES} value={s.type} onChange={(v) => set(i, { type: v, detail: "" })} />
                <Field label="Campaign" path={`steps[${i}].campaign_id`} error={result.error}>
                  {(a) => (
                    <select {...a} value={s.campaign} onChange={(e) => set(i, { campaign: e.target.value })}>
                      <option value="">Any campaign</option>
                      {campaigns.map((c) => (
                        <option key={c.name} value={idOf(c.name)}>{c.displayName}</option>
                      ))}
                    </select>
                  )}
                </Field>
                {s.type === WidgetEventType.PAGE_VIEW && (
                  <TextField label="Page URL pattern" path={`steps[${i}].page_url_pattern`} placeholder="https://shop.example.com/checkout*" error={result.error} value={s.detail} onChange={(v) => set(i, { detail: v })} />
                )}
                {s.type === WidgetEventType.CONVERSION && (
                  <TextField label="Goal (empty = any)" path={`steps[${i}].goal_name`} error={result.error} value={s.detail} onChange={(v) => set(i, { detail: v })} />
                )}
                {draft.length > MIN_STEPS && (
                  <button type="button" className="secondary" aria-label={`Remove step ${i + 1}`} onClick={() => setDraft(draft.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                )}
              </fieldset>
            </li>
          ))}
        </ol>
        <div className="row">
          {draft.length < MAX_STEPS && (
            <Button onClick={() => setDraft([...draft, { label: "", type: WidgetEventType.CONVERSION, campaign: "", detail: "" }])}>Add a step</Button>
          )}
          <CheckField label="Split by A/B variant" checked={split} onChange={setSplit} />
          <Button type="submit" kind="primary" busy={result.loading} testId="run-funnel">Show funnel</Button>
        </div>
        {stray.length > 0 && (
          <ul className="field-error">
            {stray.map((m) => <li key={m}>{m}</li>)}
          </ul>
        )}
      </form>
      {result.error ? (
        <ErrorBox error={result.error} title="Funnel not computed" />
      ) : (
        <Async
          call={result}
          empty={(d) => d.funnels.length === 0 || Number(d.funnels[0]!.steps[0]?.visitors ?? 0n) === 0}
          emptyText="No visitor reached the first step in this period."
        >
          {(d) =>
            d.funnels.map((f, k) => (
              <FunnelBars key={k} funnel={f} title={k === 0 ? "All visitors" : f.holdout ? "Holdout" : `Variant ${f.variantId.slice(0, 8)}`} />
            ))
          }
        </Async>
      )}
    </>
  );
}

function FunnelBars({ funnel, title }: { funnel: FunnelResult; title: string }) {
  return (
    <figure className="funnel">
      <figcaption>{title}</figcaption>
      <ol data-testid="funnel">
        {funnel.steps.map((s, i) => {
          const visitors = Number(s.visitors);
          // A reached step with a tiny share still gets a visible sliver.
          const width = Math.max(s.conversionFromFirst * 100, visitors > 0 ? 1 : 0);
          return (
            <li key={i} data-testid="funnel-step">
              <div className="funnel-head">
                <span data-testid="funnel-label">{s.displayName}</span>
                <strong data-testid="funnel-visitors">{visitors.toLocaleString()} {visitors === 1 ? "visitor" : "visitors"}</strong>
              </div>
              <div className="funnel-track" aria-hidden="true">
                <div className="funnel-bar" style={{ width: `${width}%` }} />
              </div>
              <div className="muted" data-testid="funnel-rates">
                {i === 0 ? "100 % (first step)" : (
                  <>
                    <span data-testid="funnel-from-previous">{pct1(s.conversionFromPrevious)}</span> of the previous step ·{" "}
                    <span data-testid="funnel-from-first">{pct1(s.conversionFromFirst)}</span> of the first
                    {s.medianTimeFromPrevious && ` · median ${took(s.medianTimeFromPrevious)} after it`}
                  </>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
