// Sites: the list, adding a site, and one site's install snippet, domain verification and campaigns.
import { useState } from "react";
import {
  DomainVerificationMethod,
  DomainVerificationMethodSchema,
  DomainVerificationStateSchema,
  SiteService,
  type Site,
} from "@gen/socialproof/notifications/v1/sites_pb";
import { CampaignService, CampaignState, CampaignStateSchema } from "@gen/socialproof/notifications/v1/campaigns_pb";
import { CampaignTypeSchema } from "@gen/socialproof/notifications/v1/templates_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { idOf, navigate } from "../router";
import { Async, Button, CopyButton, EnumField, ErrorBox, Heading, TextField, enumLabel, newRequestId, useAction, useCall, when } from "../ui/kit";

const sites = () => client(SiteService);

export function Sites() {
  const { org, can } = useOrg();
  const list = useCall(() => sites().listSites({ parent: org.name, pageSize: 100 }), [org.name]);
  const [adding, setAdding] = useState(false);
  return (
    <section>
      <Heading>Sites</Heading>
      {can("sites.create") && !adding && (
        <Button kind="primary" onClick={() => setAdding(true)} testId="add-site">
          Add a site
        </Button>
      )}
      {adding && <AddSite onDone={(s) => (s ? navigate(`sites/${idOf(s.name)}`) : setAdding(false))} />}
      <Async call={list} empty={(d) => d.sites.length === 0} emptyText="No sites yet. Add the website where notifications should appear.">
        {(d) => (
          <ul className="cards" data-testid="site-list">
            {d.sites.map((s) => (
              <li key={s.name}>
                <a href={`#/sites/${idOf(s.name)}`}>{s.displayName}</a>
                <span className="muted"> {s.domains.map((x) => x.domain).join(", ")}</span>
              </li>
            ))}
          </ul>
        )}
      </Async>
    </section>
  );
}

function AddSite({ onDone }: { onDone: (site?: Site) => void }) {
  const { org } = useOrg();
  const [name, setName] = useState("");
  const [domain, setDomain] = useState("");
  const [requestId] = useState(newRequestId);
  const act = useAction(() =>
    sites().createSite({
      parent: org.name,
      requestId,
      site: { displayName: name, domains: domain ? [{ domain }] : [] },
    }),
  );
  return (
    <form
      className="panel"
      aria-label="Add a site"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void act.run().then((r) => r && onDone(r.site));
      }}
    >
      <TextField label="Site name" path="site.display_name" error={act.error} value={name} onChange={setName} />
      <TextField label="Domain" path="site.domains[0].domain" hint="e.g. shop.example.com, without https://" error={act.error} value={domain} onChange={setDomain} />
      <ErrorBox error={act.error} title="Could not add the site" />
      <div className="row">
        <Button type="submit" kind="primary" busy={act.busy} testId="create-site">
          Add site
        </Button>
        <Button onClick={() => onDone()}>Cancel</Button>
      </div>
    </form>
  );
}

export function SiteDetail({ siteId }: { siteId: string }) {
  const { org, can } = useOrg();
  const name = `${org.name}/sites/${siteId}`;
  const site = useCall(() => sites().getSite({ name }), [name]);
  const campaigns = useCall(() => client(CampaignService).listCampaigns({ parent: name, pageSize: 100 }), [name]);
  return (
    <section>
      <p>
        <a href="#/sites">← Sites</a>
      </p>
      <Async call={site}>
        {(d) => (
          <>
            <Heading>{d.site?.displayName}</Heading>
            <h2>Install</h2>
            <p>Paste this once before &lt;/body&gt; on every page. It loads asynchronously and never blocks rendering.</p>
            <div className="snippet">
              <pre data-testid="snippet">{d.site?.installSnippet || "(the server returned no snippet)"}</pre>
              <CopyButton text={d.site?.installSnippet ?? ""} label="Copy install snippet" />
            </div>
            <p className="muted">
              Site key: <code data-testid="site-key">{d.site?.siteKey}</code>
            </p>
            <h2>Domains</h2>
            <Domains site={d.site!} canVerify={can("sites.update")} onChange={site.reload} />
          </>
        )}
      </Async>
      <h2>Campaigns</h2>
      {can("campaigns.create") && (
        <Button kind="primary" onClick={() => navigate(`sites/${siteId}/campaigns/new`)} testId="new-campaign">
          New campaign
        </Button>
      )}
      <Async call={campaigns} empty={(d) => d.campaigns.length === 0} emptyText="No campaigns on this site yet.">
        {(d) => (
          <table data-testid="campaign-table">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Type</th>
                <th scope="col">State</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {d.campaigns.map((c) => (
                <tr key={c.name}>
                  <td>
                    <a href={`#/sites/${siteId}/campaigns/${idOf(c.name)}`}>{c.displayName}</a>
                  </td>
                  <td>{enumLabel(CampaignTypeSchema, c.type)}</td>
                  <td>
                    <span className={`state state-${c.state}`} data-testid="campaign-state">
                      {enumLabel(CampaignStateSchema, c.state)}
                    </span>
                    {c.state === CampaignState.PUBLISHED && <span className="sr-only"> (live)</span>}
                  </td>
                  <td>{when(c.updateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}

function Domains({ site, canVerify, onChange }: { site: Site; canVerify: boolean; onChange: () => void }) {
  const [method, setMethod] = useState<number>(DomainVerificationMethod.META_TAG);
  const verify = useAction((domain: string) => sites().verifySiteDomain({ name: site.name, domain, method }));
  if (site.domains.length === 0) return <p className="empty">No domains: add one so the widget only runs where you expect.</p>;
  return (
    <>
      {canVerify && (
        <EnumField label="Verification method" path="method" error={verify.error} schema={DomainVerificationMethodSchema} value={method} onChange={setMethod} />
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">Verification</th>
            <th scope="col">Token</th>
            <th scope="col">Last check</th>
            {canVerify && <th scope="col"><span className="sr-only">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {site.domains.map((d) => (
            <tr key={d.domain}>
              <td>{d.domain}</td>
              <td data-testid="verification-state">
                {enumLabel(DomainVerificationStateSchema, d.verificationState)}
                {d.lastError && <small className="field-error"> {d.lastError}</small>}
              </td>
              <td>
                <code>{d.verificationToken}</code>
              </td>
              <td>{when(d.lastCheckTime)}</td>
              {canVerify && (
                <td>
                  <Button busy={verify.busy} onClick={() => void verify.run(d.domain).then((r) => r && onChange())}>
                    Verify now
                  </Button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox error={verify.error} title="Verification failed" />
    </>
  );
}
