// Every service with its span and trace counts and when it was last seen.
import { Link } from 'react-router-dom';
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { ExporterAddress } from '../components/pipeline/ExporterAddress';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { formatAgo, formatCount } from '../lib/format';
import { usePageTitle } from '../lib/usePageTitle';

export default function Services() {
  usePageTitle('Services');
  const { data, error, loading } = useApi<Answer<'listServices'>>('/api/v1/services', 10_000);
  return (
    <section>
      <h1>Services</h1>
      <ErrorBox error={error} />
      <PartialWarning answer={data} />
      {loading && !data && <Loading />}
      {data && data.services.length === 0 && (
        <Empty>
          No spans yet. Create an API key in Settings and point an OpenTelemetry exporter at <ExporterAddress /> (OTLP/gRPC).
        </Empty>
      )}
      {data && data.services.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Service</th>
              <th className="num">Spans</th>
              <th className="num">Traces</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {data.services.map((s) => (
              <tr key={s.service}>
                <td>
                  <Link to={`/traces?service=${encodeURIComponent(s.service)}`}>{s.service}</Link>
                </td>
                <td className="num">{formatCount(s.span_count)}</td>
                <td className="num">{formatCount(s.trace_count)}</td>
                <td>{formatAgo(s.last_seen_ns)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
