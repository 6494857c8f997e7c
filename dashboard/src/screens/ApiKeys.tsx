// API keys for partners: create with scopes (the secret is shown once), rotate, revoke.
import { useState } from "react";
import { ApiKeyScope, ApiKeyScopeSchema, ApiKeyService, ApiKeyStateSchema } from "@gen/socialproof/users/v1/api_key_pb";
import { client } from "../api/transport";
import { useOrg } from "../org";
import { Async, Button, CheckField, CopyButton, ErrorBox, Heading, TextField, enumLabel, enumOptions, newRequestId, useAction, useCall, when } from "../ui/kit";

export function ApiKeys() {
  const { org, can } = useOrg();
  const allowed = can("apiKeys.list");
  const keys = useCall(
    () => (allowed ? client(ApiKeyService).listApiKeys({ parent: org.name, pageSize: 100 }) : Promise.resolve(null)),
    [org.name, allowed],
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<number[]>([ApiKeyScope.ACTIVITIES_WRITE]);
  const [requestId, setRequestId] = useState(newRequestId);
  const [secret, setSecret] = useState("");
  const create = useAction(() => client(ApiKeyService).createApiKey({ parent: org.name, requestId, apiKey: { displayName: name, scopes } }));
  const rotate = useAction((n: string) => client(ApiKeyService).rotateApiKey({ name: n }));
  const revoke = useAction((n: string) => client(ApiKeyService).revokeApiKey({ name: n }));
  if (!allowed)
    return (
      <section>
        <Heading>API keys</Heading>
        <p className="empty">Only admins and owners manage API keys.</p>
      </section>
    );
  return (
    <section>
      <Heading>API keys</Heading>
      {secret && (
        <div className="panel" role="status">
          <p>New key (shown once):</p>
          <div className="snippet">
            <code data-testid="api-secret">{secret}</code>
            <CopyButton text={secret} label="Copy API key" />
          </div>
        </div>
      )}
      {can("apiKeys.create") && (
        <form
          className="panel"
          aria-label="Create an API key"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void create.run().then((r) => r && (setSecret(r.secret), setName(""), setRequestId(newRequestId()), keys.reload()));
          }}
        >
          <TextField label="Key name" path="api_key.display_name" error={create.error} value={name} onChange={setName} />
          <fieldset>
            <legend>Scopes</legend>
            {enumOptions(ApiKeyScopeSchema).map((o) => (
              <CheckField key={o.value} label={o.label} checked={scopes.includes(o.value)} onChange={(on) => setScopes(on ? [...scopes, o.value] : scopes.filter((s) => s !== o.value))} />
            ))}
          </fieldset>
          <Button type="submit" kind="primary" busy={create.busy}>Create key</Button>
          <ErrorBox error={create.error} title="Key not created" />
        </form>
      )}
      <ErrorBox error={rotate.error ?? revoke.error} />
      <Async call={keys} empty={(d) => !d || d.apiKeys.length === 0} emptyText="No API keys.">
        {(d) => (
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col">Last used</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {d!.apiKeys.map((k) => (
                <tr key={k.name}>
                  <td>{k.displayName}</td>
                  <td><code>{k.keyPrefix}…</code></td>
                  <td>{k.scopes.map((s) => enumLabel(ApiKeyScopeSchema, s)).join(", ")}</td>
                  <td>{enumLabel(ApiKeyStateSchema, k.state)}</td>
                  <td>{when(k.lastUsedTime)}</td>
                  <td className="row">
                    {can("apiKeys.rotate") && <Button onClick={() => void rotate.run(k.name).then((r) => r && (setSecret(r.secret), keys.reload()))}>Rotate</Button>}
                    {can("apiKeys.revoke") && <Button kind="danger" onClick={() => void revoke.run(k.name).then(keys.reload)}>Revoke</Button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </section>
  );
}
