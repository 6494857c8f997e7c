// The app shell: restores the session, routes public screens, and inside an organization shows the
// navigation, the organization switcher and the screen for the current route.
import { Suspense, lazy, useEffect, useState, useSyncExternalStore } from "react";
import { OrganizationService } from "@gen/socialproof/users/v1/organization_pb";

import { client } from "./api/transport";
import { session } from "./api/session";
import { OrgContext, orgState } from "./org";
import { navigate, useRoute, type Route } from "./router";
import { Async, enumLabel, useCall } from "./ui/kit";
import { RoleSchema } from "@gen/socialproof/users/v1/authorization_pb";
import { AcceptInvitation, Login, ResetPassword, SignUp } from "./screens/Auth";
import { Sites } from "./screens/Sites";

// Screens past the landing page load on demand: the first load carries only auth, shell and sites.
const SiteDetail = lazy(() => import("./screens/Sites").then((m) => ({ default: m.SiteDetail })));
const CampaignBuilder = lazy(() => import("./screens/CampaignBuilder").then((m) => ({ default: m.CampaignBuilder })));
const Analytics = lazy(() => import("./screens/Analytics").then((m) => ({ default: m.Analytics })));
const Team = lazy(() => import("./screens/Team").then((m) => ({ default: m.Team })));
const Billing = lazy(() => import("./screens/Billing").then((m) => ({ default: m.Billing })));
const Integrations = lazy(() => import("./screens/Integrations").then((m) => ({ default: m.Integrations })));
const ApiKeys = lazy(() => import("./screens/ApiKeys").then((m) => ({ default: m.ApiKeys })));

const PUBLIC = new Set(["login", "signup", "reset", "invite"]);

const NAV: [string, string][] = [
  ["sites", "Sites & campaigns"],
  ["analytics", "Analytics"],
  ["integrations", "Integrations"],
  ["team", "Team"],
  ["billing", "Billing"],
  ["api-keys", "API keys"],
];

export function App() {
  const route = useRoute();
  const signedIn = useSyncExternalStore(session.subscribe, session.signedIn);
  // A reload keeps the refresh token (sessionStorage) but not the access token: exchange it once.
  const [restoring, setRestoring] = useState(() => !signedIn && session.hasRefreshToken());
  useEffect(() => {
    if (restoring) void session.refresh().finally(() => setRestoring(false));
  }, [restoring]);

  const page = route.parts[0] ?? "";
  if (restoring)
    return (
      <p className="muted" role="status">
        Signing you in…
      </p>
    );
  if (page === "signup") return <SignUp />;
  if (page === "reset") return <ResetPassword route={route} />;
  if (page === "invite") return <AcceptInvitation route={route} />;
  if (!signedIn) {
    if (page !== "login") navigate("login");
    return <Login />;
  }
  if (PUBLIC.has(page) || !page) {
    navigate("sites");
    return null;
  }
  return <Shell route={route} />;
}

function Shell({ route }: { route: Route }) {
  const orgs = useCall(() => client(OrganizationService).listOrganizations({ pageSize: 100 }), []);
  const [selected, setSelected] = useState(() => localStorage.getItem("sp.org") ?? "");
  const [menuOpen, setMenuOpen] = useState(false);
  const list = orgs.data?.organizations ?? [];
  const org = list.find((o) => o.name === selected) ?? list[0];
  const page = route.parts[0];

  const choose = (name: string) => {
    localStorage.setItem("sp.org", name);
    setSelected(name);
    navigate("sites");
  };

  return (
    <div className="shell">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">SocialProof</span>
        <button type="button" className="menu-toggle secondary" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        {list.length > 0 && (
          <label className="org-switch">
            <span className="sr-only">Organization</span>
            <select value={org?.name} onChange={(e) => choose(e.target.value)} data-testid="org-switcher">
              {list.map((o) => (
                <option key={o.name} value={o.name}>
                  {o.displayName}
                </option>
              ))}
            </select>
          </label>
        )}
        {org && <span className="role-badge" data-testid="role">{enumLabel(RoleSchema, org.callerRole)}</span>}
        <button type="button" className="secondary" onClick={() => void session.logout().then(() => navigate("login"))}>
          Log out
        </button>
      </header>
      <nav id="nav" className={menuOpen ? "open" : ""} aria-label="Main">
        <ul>
          {NAV.map(([path, label]) => (
            <li key={path}>
              <a href={`#/${path}`} aria-current={page === path ? "page" : undefined} onClick={() => setMenuOpen(false)}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Async call={orgs} empty={(d) => d.organizations.length === 0} emptyText="You are not a member of any organization.">
          {() =>
            org && (
              <OrgContext.Provider value={orgState(org)} key={org.name}>
                <Suspense fallback={<p className="muted" role="status">Loading…</p>}>
                  <Screen route={route} />
                </Suspense>
              </OrgContext.Provider>
            )
          }
        </Async>
      </main>
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  const [page, a, b, c] = route.parts;
  switch (page) {
    case "sites":
      if (a && b === "campaigns" && c) return <CampaignBuilder siteId={a} campaignId={c === "new" ? null : c} />;
      if (a) return <SiteDetail siteId={a} />;
      return <Sites />;
    case "analytics":
      return <Analytics />;
    case "team":
      return <Team />;
    case "billing":
      return <Billing />;
    case "integrations":
      return <Integrations />;
    case "api-keys":
      return <ApiKeys />;
    default:
      return <p role="alert">No such page.</p>;
  }
}

