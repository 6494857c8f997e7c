// Choose one of the organization's sites (analytics and integrations are per site).
import { useEffect, useId } from "react";
import { SiteService } from "@gen/socialproof/notifications/v1/sites_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { Async, useCall } from "./kit";

export function SitePicker({ value, onChange }: { value: string; onChange: (site: string) => void }) {
  const { org } = useOrg();
  const id = useId();
  const sites = useCall(() => client(SiteService).listSites({ parent: org.name, pageSize: 100 }), [org.name]);
  const first = sites.data?.sites[0]?.name;
  useEffect(() => {
    if (!value && first) onChange(first);
  }, [value, first, onChange]);
  return (
    <Async call={sites} empty={(d) => d.sites.length === 0} emptyText={<>No sites yet: <a href="#/sites">add one</a> first.</>}>
      {(d) => (
        <div className="field">
          <label htmlFor={id}>Site</label>
          <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
            {d.sites.map((s) => (
              <option key={s.name} value={s.name}>
                {s.displayName}
              </option>
            ))}
          </select>
        </div>
      )}
    </Async>
  );
}
