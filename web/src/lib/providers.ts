// The playground's LLM providers as Settings shows and edits them. A provider
// comes from the api's configuration (flags / environment) or from Settings
// (admins); a Settings provider named like a configured one replaces it. The key
// is write-only: the page never receives it, only whether one is set, so a blank
// key field keeps the stored key and "remove key" is its own action.
import type { Answer, RequestBody } from '../api/types';
import { formatTime } from './format';

export type ProviderListing = Answer<'listPlaygroundProviders'>;
export type Provider = ProviderListing['providers'][number];
export type ProviderLimits = ProviderListing['limits'];
export type ProviderChange = RequestBody<'setPlaygroundProvider'>;
export type ProviderKind = Provider['kind'];

export const providerPath = (name: string): string => `/api/v1/playground/providers/${encodeURIComponent(name)}`;

// What each kind's base URL looks like, as a placeholder.
export const baseUrlExamples: Record<ProviderKind, string> = {
  openai: 'https://api.openai.com/v1 or http://localhost:11434/v1',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

export type ProviderForm = { name: string; kind: ProviderKind; base_url: string; api_key: string; remove_key: boolean };
export const emptyProviderForm: ProviderForm = { name: '', kind: 'openai', base_url: '', api_key: '', remove_key: false };

// Editing starts from what is listed; the key field starts blank (blank keeps the stored key).
export const formFromProvider = (provider: Provider): ProviderForm => ({
  name: provider.name,
  kind: provider.kind,
  base_url: provider.base_url,
  api_key: '',
  remove_key: false,
});

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

// The form as PUT's path name and body, or what is wrong with it (the api checks the same rules and says them too).
export function changeFromForm(form: ProviderForm, limits: ProviderLimits): { name: string; change: ProviderChange } | { error: string } {
  const name = form.name.trim();
  if (name === '') return { error: 'name: required' };
  if (utf8Bytes(name) > limits.max_name_bytes) return { error: `name: at most ${limits.max_name_bytes} characters` };
  if ([...name].some((c) => !limits.name_characters.includes(c))) return { error: "name: only a-z, 0-9, '.', '_' and '-'" };
  if (!limits.kinds.includes(form.kind)) return { error: `kind: one of ${limits.kinds.join(', ')}` };
  const baseUrl = form.base_url.trim();
  if (!/^https?:\/\/[^/\s]/.test(baseUrl) || /[\s\u0000-\u001f\u007f]/.test(baseUrl)) {
    return { error: 'base URL: an http:// or https:// URL with a host, no spaces' };
  }
  if (utf8Bytes(baseUrl) > limits.max_base_url_bytes) return { error: `base URL: at most ${limits.max_base_url_bytes} bytes` };
  if (utf8Bytes(form.api_key) > limits.max_api_key_bytes) return { error: `API key: at most ${limits.max_api_key_bytes} bytes` };
  const change: ProviderChange = { kind: form.kind, base_url: baseUrl };
  if (form.remove_key) change.api_key = '';
  else if (form.api_key !== '') change.api_key = form.api_key;  // blank: the stored key stays
  return { name, change };
}

export const describeKey = (provider: Provider): string => (provider.key_set ? 'key set' : 'no key');

// Where a provider comes from, in a few words.
export function describeSource(provider: Provider): string {
  if (provider.source === 'configuration') return 'configuration (flags / environment)';
  const when = provider.updated_ns !== undefined ? ` ${formatTime(provider.updated_ns)}` : '';
  const who = provider.updated_by ? ` by ${provider.updated_by}` : '';
  return `Settings${when || who ? `, changed${when}${who}` : ''}`;
}
