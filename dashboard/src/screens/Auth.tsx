// Public screens: sign up, log in, password reset (request + confirm) and accepting an invitation.
import { useState, type FormEvent, type ReactNode } from "react";
import { AuthService } from "@gen/socialproof/users/v1/auth_pb";
import { InvitationService } from "@gen/socialproof/users/v1/invitation_pb";
import { client } from "../api/transport";
import { session } from "../api/session";
import { navigate, type Route } from "../router";
import { Async, Button, ErrorBox, Heading, TextField, newRequestId, useAction, useCall } from "../ui/kit";

const auth = () => client(AuthService);

function Card({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main id="main" className="auth-card">
      <p className="brand">SocialProof</p>
      <Heading>{title}</Heading>
      {children}
      {footer && <p className="muted">{footer}</p>}
    </main>
  );
}

function submit(handler: () => void) {
  return (e: FormEvent) => {
    e.preventDefault();
    handler();
  };
}

export function SignUp() {
  const [f, setF] = useState({ email: "", password: "", displayName: "", org: "" });
  // One idempotency key per form, so a retried submit cannot create two accounts.
  const [requestId] = useState(newRequestId);
  const act = useAction(() =>
    auth().signUp({
      email: f.email,
      password: f.password,
      displayName: f.displayName,
      organizationDisplayName: f.org,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      locale: navigator.language,
      requestId,
    }),
  );
  const go = async () => {
    const r = await act.run();
    if (r) {
      session.accept(r.tokens);
      if (r.organization) localStorage.setItem("sp.org", r.organization.name);
      navigate("sites");
    }
  };
  return (
    <Card title="Create your account" footer={<a href="#/login">I already have an account</a>}>
      <form onSubmit={submit(() => void go())} noValidate>
        <TextField label="Your name" path="display_name" error={act.error} value={f.displayName} onChange={(v) => setF({ ...f, displayName: v })} autoComplete="name" />
        <TextField label="Email" path="email" type="email" error={act.error} value={f.email} onChange={(v) => setF({ ...f, email: v })} autoComplete="email" />
        <TextField label="Password" path="password" type="password" hint="10–128 characters" error={act.error} value={f.password} onChange={(v) => setF({ ...f, password: v })} autoComplete="new-password" />
        <TextField label="Organization name (optional)" path="organization_display_name" error={act.error} value={f.org} onChange={(v) => setF({ ...f, org: v })} autoComplete="organization" />
        <ErrorBox error={act.error} title="Sign-up failed" />
        <Button type="submit" kind="primary" busy={act.busy} testId="signup-submit">
          Create account
        </Button>
      </form>
    </Card>
  );
}

export function Login() {
  const [f, setF] = useState({ email: "", password: "" });
  const act = useAction(() => auth().login(f));
  const go = async () => {
    const r = await act.run();
    if (r) {
      session.accept(r.tokens);
      navigate("sites");
    }
  };
  return (
    <Card
      title="Log in"
      footer={
        <>
          <a href="#/signup">Create an account</a> · <a href="#/reset">Forgot your password?</a>
        </>
      }
    >
      <form onSubmit={submit(() => void go())} noValidate>
        <TextField label="Email" path="email" type="email" error={act.error} value={f.email} onChange={(v) => setF({ ...f, email: v })} autoComplete="email" />
        <TextField label="Password" path="password" type="password" error={act.error} value={f.password} onChange={(v) => setF({ ...f, password: v })} autoComplete="current-password" />
        <ErrorBox error={act.error} title="Could not log in" />
        <Button type="submit" kind="primary" busy={act.busy} testId="login-submit">
          Log in
        </Button>
      </form>
    </Card>
  );
}

export function ResetPassword({ route }: { route: Route }) {
  const token = route.query.get("token");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const request = useAction(() => auth().requestPasswordReset({ email }));
  const confirm = useAction(() => auth().confirmPasswordReset({ token: token ?? "", newPassword: password }));
  if (done)
    return (
      <Card title={token ? "Password changed" : "Check your email"}>
        <p role="status">
          {token ? "Your password is set; every other session was signed out." : "If that address has an account, a reset link is on its way."}
        </p>
        <a href="#/login">Back to log in</a>
      </Card>
    );
  if (token)
    return (
      <Card title="Choose a new password">
        <form onSubmit={submit(() => void confirm.run().then((r) => r && setDone(true)))} noValidate>
          <TextField label="New password" path="new_password" type="password" hint="10–128 characters" error={confirm.error} value={password} onChange={setPassword} autoComplete="new-password" />
          <ErrorBox error={confirm.error} title="Could not reset the password" />
          <Button type="submit" kind="primary" busy={confirm.busy}>
            Set password
          </Button>
        </form>
      </Card>
    );
  return (
    <Card title="Reset your password" footer={<a href="#/login">Back to log in</a>}>
      <form onSubmit={submit(() => void request.run().then((r) => r && setDone(true)))} noValidate>
        <TextField label="Email" path="email" type="email" error={request.error} value={email} onChange={setEmail} autoComplete="email" />
        <ErrorBox error={request.error} title="Could not send the link" />
        <Button type="submit" kind="primary" busy={request.busy}>
          Send reset link
        </Button>
      </form>
    </Card>
  );
}

export function AcceptInvitation({ route }: { route: Route }) {
  const token = route.query.get("token") ?? "";
  const lookup = useCall(() => client(InvitationService).lookupInvitation({ token }), [token]);
  const [f, setF] = useState({ displayName: "", password: "" });
  const act = useAction(() => client(InvitationService).acceptInvitation({ token, ...f }));
  const go = async () => {
    const r = await act.run();
    if (r) {
      if (r.tokens) session.accept(r.tokens);
      const org = r.member?.name.split("/members/")[0];
      if (org) localStorage.setItem("sp.org", org);
      navigate("sites");
    }
  };
  return (
    <Card title="Join an organization">
      <Async call={lookup}>
        {(inv) => (
          <form onSubmit={submit(() => void go())} noValidate>
            <p>
              {inv.invitation?.inviterDisplayName || "Someone"} invited <strong>{inv.invitation?.email}</strong> to{" "}
              <strong>{inv.organizationDisplayName}</strong>.
            </p>
            {!inv.accountExists && (
              <>
                <TextField label="Your name" path="display_name" error={act.error} value={f.displayName} onChange={(v) => setF({ ...f, displayName: v })} autoComplete="name" />
                <TextField label="Password" path="password" type="password" hint="10–128 characters" error={act.error} value={f.password} onChange={(v) => setF({ ...f, password: v })} autoComplete="new-password" />
              </>
            )}
            {inv.accountExists && !session.signedIn() && (
              <p>
                You already have an account: <a href="#/login">log in</a> first, then open the invitation link again.
              </p>
            )}
            <ErrorBox error={act.error} title="Could not accept" />
            <Button type="submit" kind="primary" busy={act.busy} testId="accept-submit">
              Accept invitation
            </Button>
          </form>
        )}
      </Async>
    </Card>
  );
}
