// Integrations per site: connections with their webhook URL and one-time signing secret, their store
// API credentials (for backfill), and the inbound delivery log; outbound webhook subscriptions with test
// delivery and their delivery log.
import { useState } from "react";
import { ConnectionService, type Connection } from "@gen/socialproof/integrations/v1/connections_pb";
import { WebhookReceiptService, WebhookOutcomeSchema } from "@gen/socialproof/integrations/v1/webhooks_pb";
import { OutboundWebhookService, WebhookDeliveryStateSchema } from "@gen/socialproof/integrations/v1/outbound_pb";
import { ConnectionStatusSchema, IntegrationProvider, IntegrationProviderSchema, WebhookEventType } from "@gen/socialproof/events/v1/integrations_events_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { SitePicker } from "../ui/SitePicker";
import { unclaimed } from "../api/errors";
import { Async, Button, CheckField, CopyButton, EnumField, ErrorBox, Heading, TextField, enumLabel, newRequestId, useAction, useCall, when } from "../ui/kit";

export function Integrations() {
  const { can } = useOrg();
  const [site, setSite] = useState("");
  return (
    <section>
      <Heading>Integrations</Heading>
      <SitePicker value={site} onChange={setSite} />
      {site && <Connections key={site} site={site} />}
      {can("webhooks.list") && <Outbound />}
    </section>
  );
}

/** A secret is shown once, right after it is made; the server keeps only a hash and a hint. */
function Secret({ secret }: { secret: string }) {
  return (
    <div className="panel" role="status">
      <p>Signing secret (shown once — store it in your provider now):</p>
      <div className="snippet">
        <code data-testid="secret">{secret}</code>
        <CopyButton text={secret} label="Copy signing secret" />
      </div>
    </div>
  );
}

function Connections({ site }: { site: string }) {
  const { can } = useOrg();
  const list = useCall(() => client(ConnectionService).listConnections({ parent: site, pageSize: 100 }), [site]);
  const [provider, setProvider] = useState<number>(IntegrationProvider.SHOPIFY);
  const [displayName, setDisplayName] = useState("");
  const [requestId, setRequestId] = useState(newRequestId);
  const [secret, setSecret] = useState("");
  const [open, setOpen] = useState("");
  const add = useAction(() => client(ConnectionService).createConnection({ parent: site, requestId, connection: { provider, displayName, enabled: true } }));
  const rotate = useAction((name: string) => client(ConnectionService).rotateConnectionSecret({ name }));
  return (
    <>
      <h2>Connections</h2>
      {secret && <Secret secret={secret} />}
      {can("connections.create") && (
        <form
          className="panel row"
          aria-label="Connect a source"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void add.run().then((r) => {
              if (!r) return;
              setSecret(r.signingSecret);
              setRequestId(newRequestId());
              list.reload();
            });
          }}
        >
          <EnumField label="Source" path="connection.provider" error={add.error} schema={IntegrationProviderSchema} value={provider} onChange={setProvider} />
          <TextField label="Name" path="connection.display_name" error={add.error} value={displayName} onChange={setDisplayName} />
          <Button type="submit" kind="primary" busy={add.busy}>Connect</Button>
          <ErrorBox error={add.error} title="Not connected" />
        </form>
      )}
      <ErrorBox error={rotate.error} title="Secret not rotated" />
      <Async call={list} empty={(d) => d.connections.length === 0} emptyText="No connections: events arrive from Shopify, WooCommerce, Stripe, Zapier or signed webhooks.">
        {(d) => (
          <ul className="cards">
            {d.connections.map((c) => (
              <li key={c.name}>
                <ConnectionCard c={c} />
                <StoreCredentials c={c} onChanged={list.reload} />
                <div className="row">
                  <Button onClick={() => setOpen(open === c.name ? "" : c.name)}>{open === c.name ? "Hide" : "Show"} delivery log</Button>
                  {can("connections.update") && (
                    <Button busy={rotate.busy} onClick={() => void rotate.run(c.name).then((r) => r && (setSecret(r.signingSecret), list.reload()))}>Rotate secret</Button>
                  )}
                </div>
                {open === c.name && <Receipts connection={c.name} />}
              </li>
            ))}
          </ul>
        )}
      </Async>
    </>
  );
}

function ConnectionCard({ c }: { c: Connection }) {
  return (
    <>
      <strong>{c.displayName || enumLabel(IntegrationProviderSchema, c.provider)}</strong> · {enumLabel(ConnectionStatusSchema, c.status)}
      {!c.enabled && " · disabled"}
      <div className="snippet">
        <code>{c.webhookUrl}</code>
        <CopyButton text={c.webhookUrl} label={`Copy webhook URL of ${c.displayName}`} />
      </div>
      <p className="muted">
        Secret …{c.secretHint} · last event {when(c.lastEventTime)} · 24 h: {String(c.acceptedCount24h)} accepted, {String(c.rejectedCount24h)} rejected
      </p>
      {c.lastError && <p className="field-error">Last error: {c.lastError}</p>}
    </>
  );
}

/**
 * Store API credentials of a WooCommerce or Stripe connection (used by backfill): whether some are set,
 * a form to set them (the server checks them with one read call before storing; it never returns them,
 * so the inputs are emptied once saved), and removal after a confirmation. Shopify's come from OAuth.
 */
function StoreCredentials({ c, onChanged }: { c: Connection; onChanged: () => void }) {
  const { can } = useOrg();
  const woo = c.provider === IntegrationProvider.WOOCOMMERCE;
  const keyed = woo || c.provider === IntegrationProvider.STRIPE;
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState("");
  const [storeUrl, setStoreUrl] = useState("");
  const [key, setKey] = useState("");
  const [secret, setSecret] = useState("");
  const [skipCheck, setSkipCheck] = useState(false);
  const set = useAction(() =>
    client(ConnectionService).setConnectionCredentials({
      name: c.name,
      credentials: woo
        ? { case: "woocommerce", value: { storeUrl, consumerKey: key, consumerSecret: secret } }
        : { case: "stripe", value: { apiKey: key } },
      skipVerification: skipCheck,
    }),
  );
  const clear = useAction(() => client(ConnectionService).clearConnectionCredentials({ name: c.name }));
  if (!keyed && c.provider !== IntegrationProvider.SHOPIFY) return null;
  const state = keyed ? (c.hasStoreCredentials ? "set" : "not set") : c.hasStoreCredentials ? "authorized through Shopify" : "not authorized (connect through Shopify)";
  const paths = woo ? ["woocommerce.store_url", "woocommerce.consumer_key", "woocommerce.consumer_secret"] : ["stripe.api_key"];
  const stray = unclaimed(set.error, paths);
  const done = (message: string) => {
    setNotice(message);
    onChanged();
  };
  return (
    <div className="store-credentials">
      <p>
        {keyed ? "Store API keys (for importing past orders)" : "Store access"}: <strong data-testid="store-credentials">{state}</strong>
        {woo && c.hasStoreCredentials && storeOf(c) && <> · sent only to <code>{storeOf(c)}</code></>}
      </p>
      {notice && <p role="status" data-testid="credentials-notice">{notice}</p>}
      {keyed && can("connections.update") && (
        <div className="row">
          <Button onClick={() => (setOpen(!open), setNotice(""))}>{open ? "Cancel" : c.hasStoreCredentials ? "Replace store API keys" : "Set store API keys"}</Button>
          {c.hasStoreCredentials &&
            (confirming ? (
              <>
                <Button kind="danger" busy={clear.busy} testId="confirm-clear-credentials" onClick={() => void clear.run().then((r) => { setConfirming(false); if (r) done("Store API keys removed."); })}>
                  Really remove the keys
                </Button>
                <Button onClick={() => setConfirming(false)}>Keep them</Button>
              </>
            ) : (
              <Button kind="danger" testId="clear-credentials" onClick={() => (setConfirming(true), setNotice(""))}>Remove store API keys</Button>
            ))}
        </div>
      )}
      <ErrorBox error={clear.error} title="Keys not removed" />
      {open && (
        <form
          className="panel"
          aria-label={`Store API keys of ${c.displayName || enumLabel(IntegrationProviderSchema, c.provider)}`}
          data-testid="credentials-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void set.run().then((r) => {
              if (!r) return;
              // never kept in the page longer than needed: the server does not send them back either
              setKey("");
              setSecret("");
              setStoreUrl("");
              setOpen(false);
              done(skipCheck ? "Store API keys saved (not checked with the store)." : "Store API keys checked with the store and saved.");
            });
          }}
        >
          {woo ? (
            <>
              <TextField label="Store URL" path="woocommerce.store_url" error={set.error} value={storeUrl} onChange={setStoreUrl} type="url" autoComplete="url"
                placeholder={storeOf(c) || "https://shop.example.com"}
                hint="The keys are only ever sent to this store. Empty keeps the connection's store URL." />
              <TextField label="Consumer key" path="woocommerce.consumer_key" error={set.error} value={key} onChange={setKey} type="password" autoComplete="off" placeholder="ck_…" />
              <TextField label="Consumer secret" path="woocommerce.consumer_secret" error={set.error} value={secret} onChange={setSecret} type="password" autoComplete="off" placeholder="cs_…" />
            </>
          ) : (
            <TextField label="Secret or restricted key" path="stripe.api_key" error={set.error} value={key} onChange={setKey} type="password" autoComplete="off" placeholder="rk_live_… or sk_live_…"
              hint="A restricted key with read access to charges is enough." />
          )}
          <CheckField label="Save without checking them now (the store is unreachable)" checked={skipCheck} onChange={setSkipCheck} />
          {stray.length > 0 && (
            <ul className="field-error" data-testid="unclaimed-violations">
              {stray.map((m) => <li key={m}>{m}</li>)}
            </ul>
          )}
          <Button type="submit" kind="primary" busy={set.busy} testId="save-credentials">Save keys</Button>
          <ErrorBox error={set.error} title="Keys not saved" />
        </form>
      )}
    </div>
  );
}

const storeOf = (c: Connection): string => (c.settings.case === "woocommerce" ? c.settings.value.storeUrl : "");

function Receipts({ connection }: { connection: string }) {
  const log = useCall(() => client(WebhookReceiptService).listWebhookReceipts({ parent: connection, pageSize: 50 }), [connection]);
  return (
    <Async call={log} empty={(d) => d.webhookReceipts.length === 0} emptyText="No deliveries received yet.">
      {(d) => (
        <table>
          <thead>
            <tr><th scope="col">Received</th><th scope="col">Topic</th><th scope="col">Outcome</th><th scope="col">Activities</th><th scope="col">Error</th></tr>
          </thead>
          <tbody>
            {d.webhookReceipts.map((r) => (
              <tr key={r.name}>
                <td>{when(r.receiveTime)}</td>
                <td>{r.topic}{r.test && " (test)"}</td>
                <td>{enumLabel(WebhookOutcomeSchema, r.outcome)}</td>
                <td>{r.activityIds.length}</td>
                <td>{r.error}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Async>
  );
}

function Outbound() {
  const { org, can } = useOrg();
  const subs = useCall(() => client(OutboundWebhookService).listWebhookSubscriptions({ parent: org.name, pageSize: 50 }), [org.name]);
  const deliveries = useCall(() => client(OutboundWebhookService).listWebhookDeliveries({ parent: `${org.name}/webhookSubscriptions/-`, pageSize: 50 }), [org.name]);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [requestId, setRequestId] = useState(newRequestId);
  const add = useAction(() =>
    client(OutboundWebhookService).createWebhookSubscription({
      parent: org.name,
      requestId,
      webhookSubscription: { endpointUrl: url, enabled: true, eventTypes: [WebhookEventType.ACTIVITY_RECORDED] },
    }),
  );
  const test = useAction((name: string) => client(OutboundWebhookService).testWebhookSubscription({ name }));
  return (
    <>
      <h2>Outbound webhooks</h2>
      {secret && <Secret secret={secret} />}
      {can("webhooks.create") && (
        <form
          className="panel row"
          aria-label="Add an outbound webhook"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void add.run().then((r) => r && (setSecret(r.signingSecret), setUrl(""), setRequestId(newRequestId()), subs.reload()));
          }}
        >
          <TextField label="Endpoint URL (https)" path="webhook_subscription.endpoint_url" error={add.error} value={url} onChange={setUrl} />
          <Button type="submit" kind="primary" busy={add.busy}>Add webhook</Button>
          <ErrorBox error={add.error} title="Webhook not added" />
        </form>
      )}
      <ErrorBox error={test.error} title="Test delivery failed" />
      <Async call={subs} empty={(d) => d.webhookSubscriptions.length === 0} emptyText="No outbound webhooks.">
        {(d) => (
          <ul className="cards">
            {d.webhookSubscriptions.map((s) => (
              <li key={s.name}>
                <code>{s.endpointUrl}</code> · {s.enabled ? "enabled" : "disabled"} · 24 h: {String(s.succeededCount24h)} ok, {String(s.failedCount24h)} failed
                {can("webhooks.update") && <Button busy={test.busy} onClick={() => void test.run(s.name).then(deliveries.reload)}>Send test</Button>}
              </li>
            ))}
          </ul>
        )}
      </Async>
      <h3>Delivery log</h3>
      <Async call={deliveries} empty={(d) => d.webhookDeliveries.length === 0} emptyText="Nothing delivered yet.">
        {(d) => (
          <table>
            <thead>
              <tr><th scope="col">Created</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last response</th></tr>
            </thead>
            <tbody>
              {d.webhookDeliveries.map((w) => (
                <tr key={w.name}>
                  <td>{when(w.createTime)}</td>
                  <td>{enumLabel(WebhookDeliveryStateSchema, w.state)}</td>
                  <td>{w.attemptCount}</td>
                  <td>{w.lastResponseCode || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </>
  );
}
