// What each role may do, mirrored from shared/permissions.py so the UI hides what the server would
// refuse anyway (the server stays the authority: a hidden button is convenience, not security).
import { Role } from "@gen/socialproof/users/v1/authorization_pb";

const VIEWER = [
  "organizations.get", "members.list", "sites.get", "sites.list", "campaigns.get", "campaigns.list",
  "templates.get", "templates.list", "experiments.get", "metrics.read", "connections.list", "billing.get",
];
const ANALYST = [...VIEWER, "exports.create", "reports.create", "reports.update", "reports.delete", "reports.list"];
const DESIGNER = [
  ...ANALYST, "campaigns.create", "campaigns.update", "campaigns.delete", "campaigns.publish",
  "templates.create", "templates.update", "templates.delete", "experiments.create", "experiments.update",
];
const ADMIN = [
  ...DESIGNER, "organizations.update", "members.update", "members.delete", "invitations.create",
  "invitations.list", "invitations.revoke", "invitations.resend", "apiKeys.create", "apiKeys.list",
  "apiKeys.update", "apiKeys.rotate", "apiKeys.revoke", "auditLogEntries.list", "sites.create", "sites.update",
  "sites.delete", "connections.create", "connections.update", "connections.delete", "webhooks.create",
  "webhooks.update", "webhooks.delete", "webhooks.list",
];
const OWNER = [...ADMIN, "organizations.delete", "invitations.createOwner", "members.grantOwner", "billing.update"];

const TABLE: Record<Role, ReadonlySet<string>> = {
  [Role.UNSPECIFIED]: new Set(),
  [Role.VIEWER]: new Set(VIEWER),
  [Role.ANALYST]: new Set(ANALYST),
  [Role.DESIGNER]: new Set(DESIGNER),
  [Role.ADMIN]: new Set(ADMIN),
  [Role.OWNER]: new Set(OWNER),
};

export function can(role: Role, permission: string): boolean {
  return TABLE[role]?.has(permission) ?? false;
}
