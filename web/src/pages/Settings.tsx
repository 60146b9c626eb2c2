// API keys (the new key shown once, with exporter snippets), users and model
// prices. What a role may not do is not offered (lib/permissions); the API
// refuses it anyway.
import { useRef, useState, type FormEvent } from 'react';
import { apiSend } from '../api/client';
import { useAction } from '../api/useAction';
import { useApi } from '../api/useApi';
import type { Answer, ApiKey, PriceChange, RequestBody, Role, User } from '../api/types';
import { CopyButton } from '../components/CopyButton';
import { ExporterSnippets } from '../components/pipeline/ExporterSnippets';
import ProviderSettings from '../components/ProviderSettings';
import TimeZoneSetting from '../components/TimeZoneSetting';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { formatTime } from '../lib/format';
import { canCreateKeys, canManagePrices, canManageUsers, canRevokeKey, isLastAdmin, roles } from '../lib/permissions';
import { describeChange, emptyPriceForm, formatPrice, formFromPrice, priceFromForm, pricePath, type PriceForm } from '../lib/prices';
import { usePageTitle } from '../lib/usePageTitle';

function ApiKeys({ currentUser }: { currentUser: User }) {
  const keys = useApi<Answer<'listApiKeys'>>('/api/v1/api-keys');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Answer<'createApiKey'>>();
  const keyRef = useRef<HTMLPreElement>(null);
  const { error, run } = useAction(keys.reload);
  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      setCreated(await apiSend<Answer<'createApiKey'>>('POST', '/api/v1/api-keys', { name } satisfies RequestBody<'createApiKey'>));
      setName('');
    });
  };
  const revoke = (key: ApiKey) => {
    if (!window.confirm(`Revoke "${key.name}"? Exporters using it stop at once.`)) return;
    void run(() => apiSend('DELETE', `/api/v1/api-keys/${key.id}`));
  };
  return (
    <section>
      <h2>API keys</h2>
      <p className="muted">
        {currentUser.role === 'admin' ? 'Every key, with the user who owns it.' : 'Your keys.'} Deleting a user revokes their keys.
      </p>
      {canCreateKeys(currentUser) ? (
        <form onSubmit={create} className="inline-form" aria-label="Create an API key">
          <input required placeholder="key name, e.g. laptop" value={name} onChange={(e) => setName(e.target.value)} aria-label="Key name" />
          <button type="submit">Create key</button>
        </form>
      ) : (
        <p className="muted">Viewers cannot create API keys; ask an admin.</p>
      )}
      <ErrorBox error={error ?? keys.error} />
      {created?.key && (
        <div className="new-key" role="status" data-testid="new-key">
          <p>
            Key <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <pre className="mono" data-testid="new-key-value" ref={keyRef}>{created.key}</pre>
          <CopyButton text={created.key} shown={keyRef} label="Copy key" className="" testId="copy-key" />
          <ExporterSnippets apiKey={created.key} />
        </div>
      )}
      {keys.loading && !keys.data && <Loading />}
      {keys.data && keys.data.api_keys.length === 0 && <Empty>No keys yet: nothing can send spans until you create one.</Empty>}
      {keys.data && keys.data.api_keys.length > 0 && (
        <table className="table" data-testid="api-keys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>Id</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data.api_keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>{key.owner?.email ?? '-'}</td>
                <td className="mono">{key.id}</td>
                <td>{formatTime(key.created_at_ms * 1e6)}</td>
                <td>{key.last_used_at_ms ? formatTime(key.last_used_at_ms * 1e6) : 'never'}</td>
                <td>
                  {canRevokeKey(currentUser, key) && (
                    <button type="button" onClick={() => revoke(key)} aria-label={`Revoke ${key.name}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Users({ currentUser }: { currentUser: User }) {
  const users = useApi<Answer<'listUsers'>>('/api/v1/users');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('member');
  const { error, run } = useAction(users.reload);
  const admin = canManageUsers(currentUser);
  const add = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await apiSend('POST', '/api/v1/users', { email, password, role } satisfies RequestBody<'createUser'>);
      setEmail('');
      setPassword('');
      setRole('member');
    });
  };
  const remove = (user: User) => {
    if (!window.confirm(`Remove ${user.email}? Their API keys are revoked with them.`)) return;
    void run(() => apiSend('DELETE', `/api/v1/users/${user.id}`));
  };
  const changeRole = (user: User, next: Role) => {
    void run(() => apiSend('PATCH', `/api/v1/users/${user.id}`, { role: next } satisfies RequestBody<'setUserRole'>));
  };
  const all = users.data?.users ?? [];
  return (
    <section>
      <h2>Users</h2>
      {admin && (
        <form onSubmit={add} className="inline-form" aria-label="Add a user">
          <input type="email" required placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-label="Email" />
          <input type="password" required minLength={8} placeholder="password (8+)" value={password} onChange={(e) => setPassword(e.target.value)} aria-label="Password" />
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} aria-label="Role">
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <button type="submit">Add user</button>
        </form>
      )}
      <ErrorBox error={error ?? users.error} />
      {users.data && (
        <table className="table">
          <tbody>
            {users.data.users.map((user) => (
              <tr key={user.id}>
                <td>{user.email}</td>
                <td>
                  {admin && !isLastAdmin(user, all) ? (
                    <select value={user.role} onChange={(e) => changeRole(user, e.target.value as Role)} aria-label={`Role of ${user.email}`}>
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    user.role
                  )}
                </td>
                <td>{formatTime(user.created_at_ms * 1e6)}</td>
                <td>
                  {admin && user.id !== currentUser.id && !isLastAdmin(user, all) && (
                    <button type="button" onClick={() => remove(user)} aria-label={`Remove ${user.email}`}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ModelPrices({ currentUser }: { currentUser: User }) {
  const prices = useApi<Answer<'listModelPrices'>>('/api/v1/llm/prices');
  const [model, setModel] = useState('');
  const [form, setForm] = useState<PriceForm>(emptyPriceForm);
  const [formError, setFormError] = useState<string>();
  const { error, run } = useAction(prices.reload);
  const admin = canManagePrices(currentUser);
  const limits = prices.data?.limits;
  const save = (event: FormEvent) => {
    event.preventDefault();
    const read = priceFromForm(form, limits?.max_price_per_million ?? 1_000_000);
    if ('error' in read) return setFormError(read.error);
    setFormError(undefined);
    void run(async () => {
      await apiSend('PUT', pricePath(model.trim()), read.price satisfies RequestBody<'setModelPrice'>);
      setModel('');
      setForm(emptyPriceForm);
    });
  };
  const edit = (change: PriceChange) => {
    setModel(change.model);
    setForm(formFromPrice(change.price ?? null));
  };
  const remove = (model: string) => {
    if (!window.confirm(`Delete the price of ${model}? Its calls from now on show "no price"; earlier calls keep theirs.`)) return;
    void run(() => apiSend('DELETE', pricePath(model)));
  };
  const field = (name: keyof PriceForm, label: string, required: boolean) => (
    <input
      inputMode="decimal"
      required={required}
      placeholder={label}
      value={form[name]}
      onChange={(e) => setForm({ ...form, [name]: e.target.value })}
      aria-label={label}
    />
  );
  return (
    <section data-testid="model-prices">
      <h2>Model prices</h2>
      <p className="muted">
        What an LLM call costs when its application sent no cost of its own: USD per million input, output and cached input
        tokens, for the model group shown on the LLM usage page (matched exactly). A change applies to calls from its time on;
        earlier calls keep the price they had, or none. Without a price a call shows "no price", never $0.
        {limits && ` Changes show within ${limits.cache_ttl_s} s.`}
      </p>
      {admin ? (
        <form onSubmit={save} className="inline-form" aria-label="Set a model price">
          <input required placeholder="model group, e.g. gpt-4o" maxLength={limits?.max_model_bytes} value={model} onChange={(e) => setModel(e.target.value)} aria-label="Model" />
          {field('input', 'input $/M', true)}
          {field('output', 'output $/M', true)}
          {field('cached', 'cached input $/M (optional)', false)}
          <button type="submit">Set price</button>
        </form>
      ) : (
        <p className="muted">Only admins change prices.</p>
      )}
      {formError && (
        <div className="error-box" role="alert">
          {formError}
        </div>
      )}
      <ErrorBox error={error ?? prices.error} />
      {prices.loading && !prices.data && <Loading />}
      {prices.data && prices.data.models.length === 0 && <Empty>No prices yet: calls that sent no cost show "no price".</Empty>}
      {prices.data && prices.data.models.length > 0 && (
        <table className="table" data-testid="price-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Price now</th>
              <th>Since</th>
              <th>History</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {prices.data.models.map(({ model: name, current, history }) => (
              <tr key={name}>
                <td className="mono">{name}</td>
                <td className={current.price ? '' : 'muted'}>{formatPrice(current.price ?? null)}</td>
                <td>{formatTime(current.effective_from_ns)}</td>
                <td>
                  <details>
                    <summary>{history.length === 1 ? '1 change' : `${history.length} changes`}</summary>
                    <ul className="price-history">
                      {history.map((change) => (
                        <li key={change.effective_from_ns}>{describeChange(change)}</li>
                      ))}
                    </ul>
                  </details>
                </td>
                <td>
                  {admin && (
                    <>
                      <button type="button" onClick={() => edit(current)} aria-label={`Edit the price of ${name}`}>
                        Edit
                      </button>
                      {current.price && (
                        <button type="button" onClick={() => remove(name)} aria-label={`Delete the price of ${name}`}>
                          Delete
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default function Settings({ currentUser }: { currentUser: User }) {
  usePageTitle('Settings');
  return (
    <div>
      <h1>Settings</h1>
      <TimeZoneSetting />
      <ApiKeys currentUser={currentUser} />
      <Users currentUser={currentUser} />
      <ModelPrices currentUser={currentUser} />
      <ProviderSettings currentUser={currentUser} />
    </div>
  );
}
