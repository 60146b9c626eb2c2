// A search form's service picker: "any" or one of the services the index knows.
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';

export function ServiceSelect({ value, onChange }: { value: string; onChange: (service: string) => void }) {
  const services = useApi<Answer<'listServices'>>('/api/v1/services');
  return (
    <label>
      Service
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">any</option>
        {services.data?.services.map((s) => (
          <option key={s.service} value={s.service}>
            {s.service}
          </option>
        ))}
      </select>
    </label>
  );
}
