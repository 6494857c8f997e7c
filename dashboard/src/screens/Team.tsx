// Team: members and their roles, invitations, and the audit log (admins and owners).
import { useState } from "react";
import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { MemberService, type Member } from "@gen/socialproof/users/v1/member_pb";
import { InvitationService, InvitationStateSchema } from "@gen/socialproof/users/v1/invitation_pb";
import { AuditService, AuditActionSchema, AuditOutcomeSchema } from "@gen/socialproof/users/v1/audit_pb";
import { Role, RoleSchema } from "@gen/socialproof/users/v1/authorization_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { Async, Button, EnumField, ErrorBox, Heading, TextField, enumLabel, newRequestId, useAction, useCall, when } from "../ui/kit";

export function Team() {
  const { can } = useOrg();
  return (
    <section>
      <Heading>Team</Heading>
      <Members />
      {can("invitations.list") && <Invitations />}
      {can("auditLogEntries.list") && <Audit />}
    </section>
  );
}

function Members() {
  const { org, can } = useOrg();
  const members = useCall(() => client(MemberService).listMembers({ parent: org.name, pageSize: 100 }), [org.name]);
  return (
    <>
      <h2>Members</h2>
      <Async call={members} empty={(d) => d.members.length === 0} emptyText="No members.">
        {(d) => (
          <table data-testid="members">
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Last active</th></tr>
            </thead>
            <tbody>
              {d.members.map((m) => (
                <tr key={m.name}>
                  <td>{m.displayName}</td>
                  <td>{m.email}</td>
                  <td>{can("members.update") && m.role !== Role.OWNER ? <RoleSelect member={m} onDone={members.reload} /> : enumLabel(RoleSchema, m.role)}</td>
                  <td>{when(m.lastActiveTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </>
  );
}

function RoleSelect({ member, onDone }: { member: Member; onDone: () => void }) {
  const act = useAction((role: Role) =>
    client(MemberService).updateMember({ member: { ...member, role }, updateMask: create(FieldMaskSchema, { paths: ["role"] }) }),
  );
  return (
    <>
      <label className="sr-only" htmlFor={`role-${member.name}`}>Role of {member.displayName}</label>
      <select id={`role-${member.name}`} value={member.role} disabled={act.busy} onChange={(e) => void act.run(Number(e.target.value)).then((r) => r && onDone())}>
        {[Role.ADMIN, Role.DESIGNER, Role.ANALYST, Role.VIEWER].map((r) => (
          <option key={r} value={r}>{enumLabel(RoleSchema, r)}</option>
        ))}
      </select>
      <ErrorBox error={act.error} title="Role not changed" />
    </>
  );
}

function Invitations() {
  const { org, can } = useOrg();
  const list = useCall(() => client(InvitationService).listInvitations({ parent: org.name, pageSize: 100 }), [org.name]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<number>(Role.VIEWER);
  const [requestId, setRequestId] = useState(newRequestId);
  const invite = useAction(() => client(InvitationService).createInvitation({ parent: org.name, requestId, invitation: { email, role } }));
  const revoke = useAction((name: string) => client(InvitationService).revokeInvitation({ name }));
  const resend = useAction((name: string) => client(InvitationService).resendInvitation({ name }));
  const roles = can("invitations.createOwner") ? undefined : [Role.ADMIN, Role.DESIGNER, Role.ANALYST, Role.VIEWER];
  return (
    <>
      <h2>Invitations</h2>
      {can("invitations.create") && (
        <form
          className="panel row"
          aria-label="Invite a member"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void invite.run().then((r) => {
              if (!r) return;
              setEmail("");
              setRequestId(newRequestId());
              list.reload();
            });
          }}
        >
          <TextField label="Email" path="invitation.email" type="email" error={invite.error} value={email} onChange={setEmail} />
          <EnumField label="Role" path="invitation.role" error={invite.error} schema={RoleSchema} value={role} onChange={setRole} only={roles} />
          <Button type="submit" kind="primary" busy={invite.busy} testId="invite">Invite</Button>
          <ErrorBox error={invite.error} title="Invitation not sent" />
        </form>
      )}
      <ErrorBox error={revoke.error ?? resend.error} />
      <Async call={list} empty={(d) => d.invitations.length === 0} emptyText="No invitations.">
        {(d) => (
          <table data-testid="invitations">
            <thead>
              <tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Expires</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {d.invitations.map((i) => (
                <tr key={i.name}>
                  <td>{i.email}</td>
                  <td>{enumLabel(RoleSchema, i.role)}</td>
                  <td>{enumLabel(InvitationStateSchema, i.state)}</td>
                  <td>{when(i.expireTime)}</td>
                  <td className="row">
                    {can("invitations.resend") && <Button onClick={() => void resend.run(i.name).then(list.reload)}>Resend</Button>}
                    {can("invitations.revoke") && <Button kind="danger" onClick={() => void revoke.run(i.name).then(list.reload)}>Revoke</Button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </>
  );
}

function Audit() {
  const { org } = useOrg();
  const [pageToken, setPageToken] = useState("");
  const log = useCall(() => client(AuditService).listAuditLogEntries({ parent: org.name, pageSize: 50, pageToken }), [org.name, pageToken]);
  return (
    <>
      <h2>Audit log</h2>
      <Async call={log} empty={(d) => d.auditLogEntries.length === 0} emptyText="Nothing recorded yet.">
        {(d) => (
          <>
            <table data-testid="audit">
              <thead>
                <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Outcome</th></tr>
              </thead>
              <tbody>
                {d.auditLogEntries.map((e) => (
                  <tr key={e.name}>
                    <td>{when(e.createTime)}</td>
                    <td>{e.actorDisplayName || e.actor}</td>
                    <td>{enumLabel(AuditActionSchema, e.action)}</td>
                    <td>{e.targetDisplayName || e.target}</td>
                    <td>{enumLabel(AuditOutcomeSchema, e.outcome)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.nextPageToken && <Button onClick={() => setPageToken(d.nextPageToken)}>Older entries</Button>}
          </>
        )}
      </Async>
    </>
  );
}
