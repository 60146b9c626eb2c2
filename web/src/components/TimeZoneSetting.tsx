// Settings' time zone: which clock every time in the UI is read and typed in
// (lib/timeZone). Kept in this browser only, like the theme.
import type { ReactNode } from 'react';
import { browserZone, setZoneChoice, useTimeZone, zoneAbbreviation, zoneChoice, zoneOptions } from '../lib/timeZone';

export default function TimeZoneSetting(): ReactNode {
  const zone = useTimeZone(); // re-render when it changes
  const choice = zoneChoice();
  const browser = browserZone();
  const now = Date.now();
  return (
    <section data-testid="time-zone-setting">
      <h2>Time zone</h2>
      <p className="muted">
        Every time is shown, and custom time ranges are typed, in this zone: now {zoneAbbreviation(now, zone)} ({zone}). Kept in this browser.
      </p>
      <label>
        Zone{' '}
        <select value={choice} onChange={(e) => setZoneChoice(e.target.value)} data-testid="time-zone-select">
          <option value="">Browser ({browser}, {zoneAbbreviation(now, browser)})</option>
          {zoneOptions().map((z) => (
            <option key={z} value={z}>
              {z === 'UTC' ? 'UTC' : `${z} (${zoneAbbreviation(now, z)})`}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
