// Settings' "LLM providers": the providers the playground may call, where each
// comes from and whether a key is set (never the key); admins add, edit and
// delete Settings providers. The key field is write-only: blank keeps the
// stored key, "Remove key" removes it.
import { useState, type FormEvent } from 'react';
import { apiSend } from '../api/client';
import { useAction } from '../api/useAction';
import { useApi } from '../api/useApi';
import type { User } from '../api/types';
import { canManageProviders } from '../lib/permissions';
import {
  baseUrlExamples,
  changeFromForm,
  describeKey,
  describeSource,
  emptyProviderForm,
  formFromProvider,
  providerPath,
  type Provider,
  type ProviderForm,
  type ProviderKind,
  type ProviderListing,
} from '../lib/providers';
import { Empty, ErrorBox, Loading } from './Status';

export default function ProviderSettings({ currentUser }: { currentUser: User }) {
  const listing = useApi<ProviderListing>('/api/v1/playground/providers');
  const { error, run } = useAction(listing.reload);
  const [form, setForm] = useState<ProviderForm>(emptyProviderForm);
  const [editing, setEditing] = useState<Provider>();  // the listed provider being edited, if any
  const [formError, setFormError] = useState<string>();
  const admin = canManageProviders(currentUser);
  const limits = listing.data?.limits;

  const reset = () => {
    setForm(emptyProviderForm);
    setEditing(undefined);
    setFormError(undefined);
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!limits) return;
    const read = changeFromForm(form, limits);
    if ('error' in read) return setFormError(read.error);
    setFormError(undefined);
    void run(async () => {
      await apiSend('PUT', providerPath(read.name), read.change);
      reset();
    });
  };
  const edit = (provider: Provider) => {
    setEditing(provider);
    setForm(formFromProvider(provider));
    setFormError(undefined);
  };
  const remove = (provider: Provider) => {
    if (!window.confirm(`Delete the provider ${provider.name} and its stored key?`)) return;
    void run(() => apiSend('DELETE', providerPath(provider.name)));
  };
  // A stored key exists for what is being edited only when it is a Settings provider with one.
  const storedKey = editing?.source === 'settings' && editing.key_set;

  return (
    <section data-testid="llm-providers">
      <h2>LLM providers</h2>
      <p className="muted">
        The providers the playground may call. Those from configuration come from the api's flags or environment
        (SPANLINE_OPENAI_API_KEY, ...); admins may add others here, or override a configured one with the same name. Keys are
        stored encrypted by the auth-responder and never shown again: the list says only whether one is set.
        {limits && ` Changes show within ${limits.cache_ttl_s} s on other api instances.`}
      </p>
      <ErrorBox error={error ?? listing.error} />
      {listing.loading && !listing.data && <Loading />}
      {listing.data && listing.data.providers.length === 0 && (
        <Empty>No providers: configure one with --openai-api-key and the like, or add one here.</Empty>
      )}
      {listing.data && listing.data.providers.length > 0 && (
        <table className="table" data-testid="provider-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Base URL</th>
              <th>Key</th>
              <th>Source</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {listing.data.providers.map((provider) => (
              <tr key={provider.name} data-testid={`provider-row-${provider.name}`}>
                <td className="mono">{provider.name}</td>
                <td>{provider.kind}</td>
                <td className="mono">{provider.base_url}</td>
                <td className={provider.key_set ? '' : 'muted'} data-testid={`provider-key-${provider.name}`}>
                  {describeKey(provider)}
                </td>
                <td className="muted" data-testid={`provider-source-${provider.name}`}>
                  {describeSource(provider)}
                </td>
                <td>
                  {admin && (
                    <>
                      <button type="button" onClick={() => edit(provider)} data-testid={`provider-edit-${provider.name}`}
                        aria-label={provider.source === 'settings' ? `Edit ${provider.name}` : `Override ${provider.name} in Settings`}>
                        {provider.source === 'settings' ? 'Edit' : 'Override'}
                      </button>
                      {provider.source === 'settings' && (
                        <button type="button" onClick={() => remove(provider)} data-testid={`provider-delete-${provider.name}`}
                          aria-label={`Delete ${provider.name}`}>
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
      {admin ? (
        <form onSubmit={save} className="inline-form" aria-label={editing ? `Edit provider ${editing.name}` : 'Add a provider'} data-testid="provider-form">
          <input required placeholder="name, e.g. local-ollama" maxLength={limits?.max_name_bytes} value={form.name}
            readOnly={editing !== undefined} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-label="Provider name"
            data-testid="provider-name" />
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as ProviderKind })} aria-label="Kind"
            data-testid="provider-kind">
            {(limits?.kinds ?? ['openai', 'anthropic', 'gemini']).map((kind) => (
              <option key={kind} value={kind}>{kind}</option>
            ))}
          </select>
          <input required placeholder={baseUrlExamples[form.kind]} maxLength={limits?.max_base_url_bytes} value={form.base_url}
            onChange={(e) => setForm({ ...form, base_url: e.target.value })} aria-label="Base URL" data-testid="provider-base-url" />
          <input type="password" autoComplete="off" placeholder={storedKey ? 'API key (blank keeps the stored key)' : 'API key (optional)'}
            maxLength={limits?.max_api_key_bytes} value={form.api_key} disabled={form.remove_key}
            onChange={(e) => setForm({ ...form, api_key: e.target.value })} aria-label="API key" data-testid="provider-api-key" />
          {storedKey && (
            <label>
              <input type="checkbox" checked={form.remove_key} onChange={(e) => setForm({ ...form, remove_key: e.target.checked, api_key: '' })}
                data-testid="provider-remove-key" />
              Remove key
            </label>
          )}
          <button type="submit" disabled={!limits} data-testid="provider-save">
            {editing ? 'Save provider' : 'Add provider'}
          </button>
          {editing && (
            <button type="button" onClick={reset} data-testid="provider-cancel">
              Cancel
            </button>
          )}
        </form>
      ) : (
        <p className="muted">Only admins change providers.</p>
      )}
      {formError && (
        <div className="error-box" role="alert" data-testid="provider-form-error">
          {formError}
        </div>
      )}
    </section>
  );
}
