// Shown above every page while the pipeline is unhealthy (a required stage
// down, index lag or the WAL's disk past their thresholds), naming what is
// wrong and linking to the pipeline page.
import { Link } from 'react-router-dom';
import { bannerFor } from '../../lib/pipeline/healthBanner';
import { HEALTH_POLL_MS, usePipelineHealth } from './usePipelineHealth';
import './pipeline.css';

const SHOWN_DETAILS = 3;

export function HealthBanner() {
  const { data } = usePipelineHealth(HEALTH_POLL_MS);
  const banner = bannerFor(data?.conditions);
  if (!banner) return null;
  const more = banner.details.length - SHOWN_DETAILS;
  return (
    <div className={`health-banner ${banner.severity}`} role="alert" data-testid="health-banner">
      <strong>{banner.title}</strong>
      <ul>
        {banner.details.slice(0, SHOWN_DETAILS).map((detail) => (
          <li key={detail}>{detail}</li>
        ))}
        {more > 0 && <li>and {more} more</li>}
      </ul>
      <Link to="/pipeline">Open the pipeline</Link>
    </div>
  );
}
