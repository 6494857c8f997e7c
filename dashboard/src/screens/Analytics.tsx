// Analytics per site: impressions/clicks over time, the campaign table (by campaign name), the funnel,
// A/B and holdout results with confidence intervals, CSV export (a server stream assembled into a
// download), and the organization's scheduled reports.
import { useState } from "react";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Granularity, MetricsDimension, MetricsService } from "@gen/socialproof/analytics/v1/metrics_pb";
import { ExperimentService, type ConfidenceInterval } from "@gen/socialproof/analytics/v1/experiments_pb";
import { ExportKind, ExportKindSchema, ExportService } from "@gen/socialproof/analytics/v1/exports_pb";
import { TimeRangeSchema } from "@gen/socialproof/common/v1/common_pb";
import { CampaignService, CampaignState, type Campaign } from "@gen/socialproof/notifications/v1/campaigns_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { idOf } from "../router";
import { LineChart } from "../ui/Chart";
import { SitePicker } from "../ui/SitePicker";
import { Async, Button, EnumField, ErrorBox, Heading, money, useAction, useCall, type Call } from "../ui/kit";
import { Funnel } from "./AnalyticsFunnel";
import { ScheduledReports } from "./ScheduledReports";

const DAYS = [7, 30, 90];
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const interval = (ci: ConfidenceInterval | undefined) =>
  ci ? `${pct(ci.lower)} … ${pct(ci.upper)} (${Math.round(ci.level * 100)} %)` : "—";

export function Analytics() {
  const [site, setSite] = useState("");
  const [days, setDays] = useState(30);
  const range = () => {
    const end = new Date();
    return create(TimeRangeSchema, { startTime: timestampFromDate(new Date(end.getTime() - days * 86_400_000)), endTime: timestampFromDate(end) });
  };
  return (
    <section>
      <Heading>Analytics</Heading>
      <div className="row">
        <SitePicker value={site} onChange={setSite} />
        <div className="field">
          <span id="range-label">Period</span>
          <div role="group" aria-labelledby="range-label" className="row">
            {DAYS.map((d) => (
              <button key={d} type="button" className={d === days ? "primary" : "secondary"} aria-pressed={d === days} onClick={() => setDays(d)}>
                {d} days
              </button>
            ))}
          </div>
        </div>
      </div>
      {site && <SiteAnalytics key={site + days} site={site} range={range} />}
      <ScheduledReports />
    </section>
  );
}

/**
 * The site's campaigns, archived ones too (ListCampaigns leaves those out unless asked): metrics name
 * campaigns by UUID, and a campaign archived since is still in the period's numbers.
 */
function useCampaigns(site: string): Call<Campaign[]> {
  return useCall(async () => {
    const all: Campaign[] = [];
    for (const filter of ["", `state = ${CampaignState[CampaignState.ARCHIVED]}`]) {
      let pageToken = "";
      do {
        const page = await client(CampaignService).listCampaigns({ parent: site, pageSize: 100, pageToken, filter });
        all.push(...page.campaigns);
        pageToken = page.nextPageToken;
      } while (pageToken);
    }
    return all;
  }, [site]);
}

function SiteAnalytics({ site, range }: { site: string; range: () => ReturnType<typeof create<typeof TimeRangeSchema>> }) {
  const metrics = useCall(
    () => client(MetricsService).queryMetrics({ parent: site, timeRange: range(), granularity: Granularity.DAY, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }),
    [site],
  );
  const byCampaign = useCall(
    () => client(MetricsService).queryMetrics({ parent: site, timeRange: range(), granularity: Granularity.DAY, groupBy: MetricsDimension.CAMPAIGN }),
    [site],
  );
  const campaigns = useCampaigns(site);
  const names = new Map((campaigns.data ?? []).map((c) => [idOf(c.name), c.displayName]));
  // Before the names arrive (or if they cannot be loaded) a campaign is shown by a short id.
  const campaignName = (id: string) => names.get(id) ?? (campaigns.data || campaigns.error ? `Campaign ${id.slice(0, 8)} (deleted?)` : `Campaign ${id.slice(0, 8)}…`);
  return (
    <>
      <h2>Over time</h2>
      <Async call={metrics}>
        {(m) => {
          const points = m.series[0]?.points ?? [];
          const t = m.totals;
          return (
            <>
              <dl className="kpis" data-testid="kpis">
                <div><dt>Impressions</dt><dd data-testid="kpi-impressions">{String(t?.impressions ?? 0n)}</dd></div>
                <div><dt>Clicks</dt><dd>{String(t?.clicks ?? 0n)}</dd></div>
                <div><dt>Click-through</dt><dd>{pct(t?.clickThroughRate ?? 0)}</dd></div>
                <div><dt>Conversions</dt><dd>{String(t?.conversions ?? 0n)}</dd></div>
                <div><dt>Visitors reached</dt><dd>{String(t?.reachedVisitors ?? 0n)}</dd></div>
              </dl>
              <LineChart
                title="Impressions and clicks per day"
                series={[
                  { label: "Impressions", points: points.map((p) => ({ x: timestampDate(p.startTime!), y: Number(p.values?.impressions ?? 0n) })) },
                  { label: "Clicks", points: points.map((p) => ({ x: timestampDate(p.startTime!), y: Number(p.values?.clicks ?? 0n) })) },
                ]}
              />
            </>
          );
        }}
      </Async>
      <h2>Campaigns</h2>
      <Async
        call={byCampaign}
        empty={(d) => campaignRows(d.series).length === 0}
        emptyText="No campaign has been shown in this period."
      >
        {(d) => (
          <table data-testid="campaign-metrics">
            <thead>
              <tr>
                <th scope="col">Campaign</th><th scope="col">Impressions</th><th scope="col">Clicks</th><th scope="col">CTR</th><th scope="col">Conversions</th>
              </tr>
            </thead>
            <tbody>
              {campaignRows(d.series).map((s) => (
                <tr key={s.groupKey || "none"}>
                  <td data-testid="campaign-name">
                    {s.groupKey ? s.groupLabel || campaignName(s.groupKey) : <em>Not from a notification</em>}
                    {s.holdout && " (holdout)"}
                  </td>
                  <td>{String(s.totals?.impressions ?? 0n)}</td>
                  <td>{String(s.totals?.clicks ?? 0n)}</td>
                  <td>{pct(s.totals?.clickThroughRate ?? 0)}</td>
                  <td>{String(s.totals?.conversions ?? 0n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
      {campaigns.error && <ErrorBox error={campaigns.error} title="Campaign names could not be loaded" />}
      <Funnel site={site} range={range} campaigns={campaigns.data ?? []} />
      <Experiments campaigns={campaigns} range={range} />
      <Export site={site} range={range} />
    </>
  );
}

/**
 * Rows of the campaign table: events without a campaign (page views, goals) form a group with an empty
 * key; it is shown only when it has numbers (conversions), never as an all-zero row.
 */
function campaignRows<S extends { groupKey: string; totals?: { impressions: bigint; clicks: bigint; conversions: bigint } }>(series: S[]): S[] {
  return series.filter((s) => s.groupKey || (s.totals && s.totals.impressions + s.totals.clicks + s.totals.conversions > 0n));
}

function Experiments({ campaigns, range }: { campaigns: Call<Campaign[]>; range: () => ReturnType<typeof create<typeof TimeRangeSchema>> }) {
  const [campaign, setCampaign] = useState("");
  const results = useCall(
    () => (campaign ? client(ExperimentService).getExperimentResults({ campaign, timeRange: range(), confidenceLevel: 0.95 }) : Promise.resolve(null)),
    [campaign],
  );
  return (
    <>
      <h2>A/B tests and holdout</h2>
      <Async call={campaigns} empty={(d) => d.length === 0} emptyText="No campaigns on this site.">
        {(d) => (
          <div className="field">
            <label htmlFor="exp-campaign">Campaign</label>
            <select id="exp-campaign" value={campaign} onChange={(e) => setCampaign(e.target.value)}>
              <option value="">Choose…</option>
              {d.map((c) => (
                <option key={c.name} value={c.name}>{c.displayName}</option>
              ))}
            </select>
          </div>
        )}
      </Async>
      {campaign && (
        <Async call={results}>
          {(r) =>
            r && (
              <>
                {!r.sufficientSample && <p className="warn">Not enough visitors yet for a reliable answer: keep the test running.</p>}
                <table data-testid="experiment-table">
                  <thead>
                    <tr>
                      <th scope="col">Arm</th><th scope="col">Visitors</th><th scope="col">Conversion</th><th scope="col">Interval</th><th scope="col">Lift vs control</th><th scope="col">Significant</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.variants.map((v) => (
                      <tr key={v.variantId}>
                        <td>{v.label || v.variantId}{v.control && " (control)"}</td>
                        <td>{String(v.visitors)}</td>
                        <td>{pct(v.conversionRate)}</td>
                        <td>{interval(v.conversionRateInterval)}</td>
                        <td>{v.control ? "—" : `${pct(v.difference)} [${interval(v.differenceInterval)}]`}</td>
                        <td>{v.control ? "—" : v.significant ? `yes (p=${v.pValue.toFixed(3)})` : `no (p=${v.pValue.toFixed(3)})`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {r.holdout && (
                  <dl className="kpis">
                    <div><dt>Holdout share</dt><dd>{pct(r.holdout.holdoutShare)}</dd></div>
                    <div><dt>Lift in conversion</dt><dd>{pct(r.holdout.absoluteLift)}</dd></div>
                    <div><dt>Interval</dt><dd>{interval(r.holdout.absoluteLiftInterval)}</dd></div>
                    <div><dt>Incremental revenue</dt><dd>{money(r.holdout.incrementalRevenue)}</dd></div>
                    <div><dt>Significant</dt><dd>{r.holdout.significant ? "yes" : "no"}</dd></div>
                  </dl>
                )}
              </>
            )
          }
        </Async>
      )}
    </>
  );
}

function Export({ site, range }: { site: string; range: () => ReturnType<typeof create<typeof TimeRangeSchema>> }) {
  const { can } = useOrg();
  const [kind, setKind] = useState<number>(ExportKind.CAMPAIGN_METRICS);
  const act = useAction(async () => {
    const parts: BlobPart[] = [];
    let file = "export.csv";
    for await (const chunk of client(ExportService).exportCsv({ parent: site, kind, timeRange: range(), granularity: Granularity.DAY })) {
      if (chunk.fileName) file = chunk.fileName;
      if (chunk.chunk) parts.push(chunk.chunk.data.slice());
    }
    const url = URL.createObjectURL(new Blob(parts, { type: "text/csv" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: file });
    a.click();
    URL.revokeObjectURL(url);
    return file;
  });
  if (!can("exports.create")) return null;
  return (
    <>
      <h2>Export</h2>
      <div className="row">
        <EnumField label="What" path="kind" error={act.error} schema={ExportKindSchema} value={kind} onChange={setKind} />
        <Button busy={act.busy} onClick={() => void act.run()}>Download CSV</Button>
      </div>
      <ErrorBox error={act.error} title="Export failed" />
    </>
  );
}
