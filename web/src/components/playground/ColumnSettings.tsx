// One compared column's provider, model (free text; the provider's models offered
// when it can list them) and invocation parameters.
import { useId } from 'react';
import { useApi } from '../../api/useApi';
import type { ModelsAnswer, PlaygroundProvider, ResponseFormat } from '../../lib/playground/api';
import { parameterSummary, type Column, type ParameterText } from '../../lib/playground/prompt';

function modelsPath(provider: string): string | null {
  return provider ? `/api/v1/playground/providers/${encodeURIComponent(provider)}/models` : null;
}

function ModelField({ column, onChange }: { column: Column; onChange: (model: string) => void }) {
  const listId = useId();
  const models = useApi<ModelsAnswer>(modelsPath(column.provider));
  return (
    <label className="pg-field pg-model">
      model
      <input list={listId} value={column.model} placeholder="model name" onChange={(e) => onChange(e.target.value)} data-testid="pg-model" />
      <datalist id={listId} data-testid="pg-model-options">
        {(models.data?.models ?? []).map((model) => (
          <option key={model} value={model} />
        ))}
      </datalist>
      {models.error && <span className="muted pg-hint" data-testid="pg-models-unknown">the provider did not list its models: type one</span>}
    </label>
  );
}

const NUMBER_FIELDS: { key: 'temperature' | 'max_tokens' | 'top_p' | 'seed'; label: string; testId: string; placeholder: string }[] = [
  { key: 'temperature', label: 'temperature', testId: 'pg-temperature', placeholder: '0-2' },
  { key: 'max_tokens', label: 'max tokens', testId: 'pg-max-tokens', placeholder: 'default' },
  { key: 'top_p', label: 'top_p', testId: 'pg-top-p', placeholder: '0-1' },
  { key: 'seed', label: 'seed', testId: 'pg-seed', placeholder: 'none' },
];

function Parameters({ parameters, onChange }: { parameters: ParameterText; onChange: (parameters: ParameterText) => void }) {
  const set = (fields: Partial<ParameterText>) => onChange({ ...parameters, ...fields });
  return (
    <div className="pg-parameters">
      {NUMBER_FIELDS.map((field) => (
        <label key={field.key} className="pg-field pg-small">
          {field.label}
          <input inputMode="decimal" placeholder={field.placeholder} value={parameters[field.key]} onChange={(e) => set({ [field.key]: e.target.value })} data-testid={field.testId} />
        </label>
      ))}
      <label className="pg-field">
        stop (one a line)
        <textarea rows={1} className="mono" value={parameters.stop} onChange={(e) => set({ stop: e.target.value })} data-testid="pg-stop-sequences" />
      </label>
      <label className="pg-field">
        response format
        <select value={parameters.response_format} onChange={(e) => set({ response_format: e.target.value as ResponseFormat })} data-testid="pg-response-format">
          <option value="text">text</option>
          <option value="json_object">JSON object</option>
          <option value="json_schema">JSON schema</option>
        </select>
      </label>
      {parameters.response_format === 'json_schema' && (
        <label className="pg-field pg-wide">
          JSON schema of the answer
          <textarea rows={4} className="mono" value={parameters.json_schema} onChange={(e) => set({ json_schema: e.target.value })} data-testid="pg-json-schema" />
        </label>
      )}
    </div>
  );
}

export function ColumnSettings({ column, providers, onChange }: { column: Column; providers: PlaygroundProvider[]; onChange: (column: Column) => void }) {
  const known = providers.some((p) => p.name === column.provider);
  return (
    <div className="pg-settings">
      <label className="pg-field">
        provider
        <select value={column.provider} onChange={(e) => onChange({ ...column, provider: e.target.value })} data-testid="pg-provider">
          {!known && <option value={column.provider}>{column.provider ? `${column.provider} (not configured)` : 'choose…'}</option>}
          {providers.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name === p.kind ? p.name : `${p.name} (${p.kind})`}
            </option>
          ))}
        </select>
      </label>
      <ModelField column={column} onChange={(model) => onChange({ ...column, model })} />
      <details className="pg-params-fold">
        <summary>
          parameters{' '}
          <span className="muted" data-testid="pg-parameters-summary">
            {parameterSummary(column.parameters) || 'provider defaults'}
          </span>
        </summary>
        <Parameters parameters={column.parameters} onChange={(parameters) => onChange({ ...column, parameters })} />
      </details>
    </div>
  );
}
