// Billing: current plan and subscription, usage meters against limits, plan change with a preview
// of what will be charged (never a silent upgrade), and invoices.
import { useState } from "react";
import { PlanService, type Plan } from "@gen/socialproof/billing/v1/plan_pb";
import { BillingInterval, BillingIntervalSchema } from "@gen/socialproof/billing/v1/plan_pb";
import { SubscriptionService, SubscriptionStatusSchema } from "@gen/socialproof/billing/v1/subscription_pb";
import { QuotaMetricSchema, QuotaStateSchema, UsageService } from "@gen/socialproof/billing/v1/usage_pb";
import { InvoiceService, InvoiceStatusSchema } from "@gen/socialproof/billing/v1/invoice_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { Async, Button, ErrorBox, Heading, enumLabel, money, newRequestId, useAction, useCall, when } from "../ui/kit";

export function Billing() {
  const { org, can } = useOrg();
  const sub = useCall(() => client(SubscriptionService).getSubscription({ name: `${org.name}/subscription` }), [org.name]);
  const usage = useCall(() => client(UsageService).getUsage({ name: `${org.name}/usage` }), [org.name]);
  const invoices = useCall(() => client(InvoiceService).listInvoices({ parent: org.name, pageSize: 24 }), [org.name]);
  return (
    <section>
      <Heading>Billing</Heading>
      <h2>Plan</h2>
      <Async call={sub}>
        {(d) => (
          <p data-testid="plan">
            <strong>{d.subscription?.planDisplayName}</strong> · {enumLabel(SubscriptionStatusSchema, d.subscription?.status ?? 0)} ·{" "}
            {money(d.subscription?.price)} / {enumLabel(BillingIntervalSchema, d.subscription?.billingInterval ?? 0).toLowerCase()}
            {d.subscription?.cancelAtPeriodEnd && " · ends at the period end"}
          </p>
        )}
      </Async>
      <h2>Usage this period</h2>
      <Async call={usage} empty={(d) => (d.usage?.meters.length ?? 0) === 0} emptyText="No usage recorded yet.">
        {(d) => (
          <>
            {d.usage!.meters.map((m) => {
              const limit = m.limit === undefined ? undefined : Number(m.limit);
              return (
                <div key={m.metric} className="meter">
                  <label htmlFor={`meter-${m.metric}`}>
                    {enumLabel(QuotaMetricSchema, m.metric)}: {String(m.used)} {limit === undefined ? "(unlimited)" : `of ${limit}`} ·{" "}
                    {enumLabel(QuotaStateSchema, m.state)}
                  </label>
                  {limit !== undefined && <meter id={`meter-${m.metric}`} min={0} max={limit} low={limit * 0.8} high={limit * 0.999} optimum={0} value={Number(m.used)} />}
                </div>
              );
            })}
            <p className="muted">Bots excluded from usage this period: {String(d.usage!.excludedBotImpressions)}</p>
            {d.usage!.hardCapReached && <p className="warn" role="alert">The hard cap is reached: notifications are paused until the next period or a plan change.</p>}
          </>
        )}
      </Async>
      {can("billing.update") && <ChangePlan current={sub.data?.subscription?.plan ?? ""} etag={sub.data?.subscription?.etag ?? ""} onDone={sub.reload} />}
      <h2>Invoices</h2>
      <Async call={invoices} empty={(d) => d.invoices.length === 0} emptyText="No invoices yet.">
        {(d) => (
          <table>
            <thead>
              <tr><th scope="col">Number</th><th scope="col">Date</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col"><span className="sr-only">Links</span></th></tr>
            </thead>
            <tbody>
              {d.invoices.map((i) => (
                <tr key={i.name}>
                  <td>{i.number}</td>
                  <td>{when(i.createTime)}</td>
                  <td>{money(i.total)}</td>
                  <td>{enumLabel(InvoiceStatusSchema, i.status)}</td>
                  <td>{i.hostedInvoiceUri && <a href={i.hostedInvoiceUri} target="_blank" rel="noreferrer">View</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}

function ChangePlan({ current, etag, onDone }: { current: string; etag: string; onDone: () => void }) {
  const { org } = useOrg();
  const plans = useCall(() => client(PlanService).listPlans({ pageSize: 20 }), []);
  const [chosen, setChosen] = useState<Plan | null>(null);
  const [requestId] = useState(newRequestId);
  const name = `${org.name}/subscription`;
  const preview = useAction((plan: Plan) =>
    client(SubscriptionService).previewSubscriptionChange({ name, plan: plan.name, billingInterval: BillingInterval.MONTH }),
  );
  const change = useAction(() =>
    client(SubscriptionService).changeSubscriptionPlan({
      name,
      plan: chosen!.name,
      billingInterval: BillingInterval.MONTH,
      // The amount the user saw: the server refuses if it would charge something else.
      expectedAmountDue: preview.error ? undefined : previewed?.amountDueNow,
      etag,
      requestId,
    }),
  );
  const [previewed, setPreviewed] = useState<Awaited<ReturnType<typeof preview.run>>>();
  return (
    <>
      <h2>Change plan</h2>
      <Async call={plans} empty={(d) => d.plans.length === 0} emptyText="No plans are offered.">
        {(d) => (
          <ul className="cards">
            {d.plans.map((p) => (
              <li key={p.name}>
                <strong>{p.displayName}</strong> {money(p.prices.find((x) => x.interval === BillingInterval.MONTH)?.amount)} / month
                <p className="muted">{p.description}</p>
                {p.name === current ? (
                  <em>Current plan</em>
                ) : (
                  <Button onClick={() => void preview.run(p).then((r) => { setChosen(p); setPreviewed(r); })}>Choose {p.displayName}</Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Async>
      <ErrorBox error={preview.error} title="Could not price the change" />
      {chosen && previewed && (
        <div className="panel" role="dialog" aria-label="Confirm plan change">
          <p>
            Switch to <strong>{chosen.displayName}</strong>: {money(previewed.amountDueNow)} now, then {money(previewed.nextPeriodPrice)} per period.
          </p>
          {previewed.exceededMetrics.length > 0 && <p className="warn">Your current usage exceeds this plan's limits.</p>}
          <Button kind="primary" busy={change.busy} onClick={() => void change.run().then((r) => r && (setChosen(null), onDone()))}>Confirm</Button>
          <Button onClick={() => setChosen(null)}>Cancel</Button>
          <ErrorBox error={change.error} title="Plan not changed" />
        </div>
      )}
    </>
  );
}
