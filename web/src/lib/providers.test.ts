import { describe, expect, it } from 'vitest';
import { changeFromForm, describeKey, describeSource, emptyProviderForm, formFromProvider, providerPath, type Provider, type ProviderLimits } from './providers';

const limits: ProviderLimits = {
  kinds: ['openai', 'anthropic', 'gemini'],
  max_name_bytes: 64,
  name_characters: 'abcdefghijklmnopqrstuvwxyz0123456789._-',
  max_base_url_bytes: 2048,
  max_api_key_bytes: 4096,
  max_settings_providers: 100,
  cache_ttl_s: 5,
};
const form = { ...emptyProviderForm, name: 'local-ollama', base_url: 'http://localhost:11434/v1' };

describe('playground providers', () => {
  it('sends a typed key, keeps the stored one when blank, removes it when asked', () => {
    expect(changeFromForm({ ...form, api_key: 'sk-1' }, limits)).toEqual({
      name: 'local-ollama',
      change: { kind: 'openai', base_url: 'http://localhost:11434/v1', api_key: 'sk-1' },
    });
    const kept = changeFromForm(form, limits);
    expect(kept).toEqual({ name: 'local-ollama', change: { kind: 'openai', base_url: 'http://localhost:11434/v1' } });
    expect('change' in kept && 'api_key' in kept.change).toBe(false);
    expect(changeFromForm({ ...form, api_key: 'typed anyway', remove_key: true }, limits)).toEqual({
      name: 'local-ollama',
      change: { kind: 'openai', base_url: 'http://localhost:11434/v1', api_key: '' },
    });
  });

  it('refuses what the api would, naming the field', () => {
    expect(changeFromForm({ ...form, name: '' }, limits)).toEqual({ error: 'name: required' });
    expect(changeFromForm({ ...form, name: 'Local' }, limits)).toEqual({ error: "name: only a-z, 0-9, '.', '_' and '-'" });
    expect(changeFromForm({ ...form, name: 'x'.repeat(65) }, limits)).toEqual({ error: 'name: at most 64 characters' });
    expect(changeFromForm({ ...form, base_url: 'ftp://h' }, limits)).toEqual({ error: 'base URL: an http:// or https:// URL with a host, no spaces' });
    expect(changeFromForm({ ...form, base_url: 'http://h x' }, limits)).toEqual({ error: 'base URL: an http:// or https:// URL with a host, no spaces' });
    expect(changeFromForm({ ...form, base_url: 'https:///path' }, limits)).toEqual({ error: 'base URL: an http:// or https:// URL with a host, no spaces' });
    expect(changeFromForm({ ...form, base_url: `http://h/${'p'.repeat(2048)}` }, limits)).toEqual({ error: 'base URL: at most 2048 bytes' });
    expect(changeFromForm({ ...form, api_key: 'k'.repeat(4097) }, limits)).toEqual({ error: 'API key: at most 4096 bytes' });
  });

  it('edits from the listing with a blank key, and says where each comes from', () => {
    const settings: Provider = {
      name: 'claude-eu',
      kind: 'anthropic',
      base_url: 'https://api.anthropic.com',
      key_set: true,
      source: 'settings',
      updated_ns: 1_700_000_000_000_000_000,
      updated_by: 'admin@example.com',
    };
    expect(formFromProvider(settings)).toEqual({ name: 'claude-eu', kind: 'anthropic', base_url: 'https://api.anthropic.com', api_key: '', remove_key: false });
    expect(describeKey(settings)).toBe('key set');
    expect(describeSource(settings)).toMatch(/^Settings, changed .+ by admin@example\.com$/);
    const configured: Provider = { name: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1', key_set: false, source: 'configuration' };
    expect(describeKey(configured)).toBe('no key');
    expect(describeSource(configured)).toBe('configuration (flags / environment)');
    expect(providerPath('a.b_c-d')).toBe('/api/v1/playground/providers/a.b_c-d');
  });
});
