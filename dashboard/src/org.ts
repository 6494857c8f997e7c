// The organization the user is working in and their role there (from Organization.caller_role).
import { createContext, useContext } from "react";
import type { Organization } from "@gen/socialproof/users/v1/organization_pb";
import { Role } from "@gen/socialproof/users/v1/authorization_pb";
import { can } from "./api/permissions";

export interface OrgState {
  org: Organization;
  role: Role;
  can: (permission: string) => boolean;
}

export const OrgContext = createContext<OrgState | null>(null);

export function useOrg(): OrgState {
  const o = useContext(OrgContext);
  if (!o) throw new Error("useOrg outside an organization");
  return o;
}

export function orgState(org: Organization): OrgState {
  return { org, role: org.callerRole, can: (p) => can(org.callerRole, p) };
}

