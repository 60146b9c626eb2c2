import { afterEach, describe, expect, it } from 'vitest';
import {
  activeZone,
  browserZone,
  formatInstant,
  instantOfWallClock,
  parseZoneInput,
  setZoneChoice,
  zoneAbbreviation,
  zoneChoice,
  zoneInputValue,
  zoneOffsetMinutes,
} from './timeZone';
import { formatTime } from './format';
import { clockLabel, localOffset } from './chartScales';
import { localInputValue, parseLocalInput } from './usageQuery';

// 2026-11-29 18:24:03.120 UTC
const NOV = Date.UTC(2026, 10, 29, 18, 24, 3, 120);

describe('time zone', () => {
  afterEach(() => setZoneChoice(''));

  it('reads one instant on each zone clock, named', () => {
    expect(formatInstant(NOV, 'UTC')).toBe('2026-11-29 18:24:03 UTC');
    expect(formatInstant(NOV, 'Europe/Berlin', { milliseconds: true })).toBe('2026-11-29 19:24:03.120 GMT+1');
    expect(formatInstant(NOV, 'America/New_York', { date: false })).toBe('13:24:03 EST');
    expect(formatInstant(NOV, 'Asia/Kolkata')).toBe('2026-11-29 23:54:03 GMT+5:30');
    expect(formatTime(NOV * 1e6, 'UTC')).toBe('2026-11-29 18:24:03 UTC');
    expect(formatTime(0, 'UTC')).toBe('-');
  });

  it('offsets follow daylight saving', () => {
    expect(zoneOffsetMinutes(NOV, 'Europe/Berlin')).toBe(60);
    expect(zoneOffsetMinutes(Date.UTC(2026, 6, 1), 'Europe/Berlin')).toBe(120);
    expect(zoneOffsetMinutes(Date.UTC(2026, 6, 1), 'America/New_York')).toBe(-240);
    expect(zoneOffsetMinutes(NOV, 'UTC')).toBe(0);
    expect(zoneAbbreviation(Date.UTC(2026, 6, 1), 'America/New_York')).toBe('EDT');
  });

  it('wall-clock input round-trips, across the spring and autumn changes', () => {
    // Berlin 2026: CET -> CEST at 01:00 UTC on 29 March, back at 01:00 UTC on 25 October.
    const beforeSpring = Date.UTC(2026, 2, 29, 0, 59, 59);
    const afterSpring = Date.UTC(2026, 2, 29, 1, 0, 0);
    expect(zoneInputValue(beforeSpring, 'Europe/Berlin')).toBe('2026-03-29T01:59:59');
    expect(zoneInputValue(afterSpring, 'Europe/Berlin')).toBe('2026-03-29T03:00:00');
    for (const ms of [beforeSpring, afterSpring, Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30), NOV - 120]) {
      for (const zone of ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata']) {
        const text = zoneInputValue(ms, zone);
        const back = parseZoneInput(text, zone);
        // an autumn hour is read twice: its text names the first time the clock shows it
        if (zone === 'Europe/Berlin' && ms === Date.UTC(2026, 9, 25, 1, 30)) expect(back).toBe(ms - 3600_000);
        else expect(back).toBe(ms);
      }
    }
    // 02:30 does not exist on the spring night: read with the winter offset (01:30 UTC)
    expect(parseZoneInput('2026-03-29T02:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(instantOfWallClock({ year: 2026, month: 3, day: 29, hour: 3, minute: 30, second: 0 }, 'Europe/Berlin')).toBe(
      Date.UTC(2026, 2, 29, 1, 30),
    );
  });

  it('takes the forms a person types, refuses the rest', () => {
    expect(parseZoneInput('2026-11-29T19:24', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 29, 18, 24));
    expect(parseZoneInput('2026-11-29 19:24:03.12', 'Europe/Berlin')).toBe(NOV);
    expect(parseZoneInput('29/11/2026', 'UTC')).toBeNull();
    expect(parseZoneInput('2026-13-01T00:00', 'UTC')).toBeNull();
    expect(parseZoneInput('', 'UTC')).toBeNull();
  });

  it('the setting drives every formatter, chart and input, and is kept', () => {
    expect(zoneChoice()).toBe('');
    expect(activeZone()).toBe(browserZone());
    setZoneChoice('Asia/Kolkata');
    expect(activeZone()).toBe('Asia/Kolkata');
    expect(globalThis.localStorage?.getItem('spanline.timeZone') ?? 'Asia/Kolkata').toBe('Asia/Kolkata');
    expect(formatTime(NOV * 1e6)).toBe('2026-11-29 23:54:03 GMT+5:30');
    expect(localOffset(NOV)).toBe(330);
    expect(clockLabel(NOV)).toBe('23:54');
    expect(localInputValue(NOV)).toBe('2026-11-29T23:54');
    expect(parseLocalInput('2026-11-29T23:54')).toBe(Date.UTC(2026, 10, 29, 18, 24));
    setZoneChoice('Not/AZone');
    expect(zoneChoice()).toBe('');
  });
});
