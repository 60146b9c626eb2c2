import { describe, expect, it } from 'vitest';
import { exactSpanTimes, nanosToMs, nanosWithinSecond, rememberAnswerText } from './exactNanos';
import { formatNanosInstant } from './timeZone';

// A trace answer as the api writes it, with a span starting 123456789 ns into its second.
const START = 1_795_976_643_123_456_789n;
const TEXT =
  `{"spans":[{"trace_id":"ab","span_id":"0000000000000001","parent_span_id":"","service":"s","name":"has \\"span_id\\":\\"0000000000000002\\",\\"parent_span_id\\" and \\"start_ns\\":1",` +
  `"kind":1,"start_ns":${START},"end_ns":${START + 1001n},"duration_ns":1001,"links":[{"trace_id":"ab","span_id":"0000000000000002"}]},` +
  `{"trace_id":"ab","span_id":"0000000000000002","parent_span_id":"0000000000000001","service":"s","name":"b","kind":1,"start_ns":${START + 7n},"end_ns":${START + 9n},"duration_ns":2}]}`;

describe('exact nanoseconds', () => {
  it('JSON numbers lose them, the kept text does not', () => {
    const answer = JSON.parse(TEXT);
    expect(BigInt(answer.spans[0].start_ns)).not.toBe(START); // the reason for all this
    expect(exactSpanTimes(answer, '0000000000000001')).toBeNull(); // text not kept yet
    rememberAnswerText(answer, TEXT);
    expect(exactSpanTimes(answer, '0000000000000001')).toEqual({ start: START, end: START + 1001n });
    // a name quoting the ids, and a link naming the span, are not mistaken for it
    expect(exactSpanTimes(answer, '0000000000000002')).toEqual({ start: START + 7n, end: START + 9n });
    expect(exactSpanTimes(answer, '0000000000000003')).toBeNull();
    expect(exactSpanTimes(answer, '")')).toBeNull();
  });

  it('reads to the nanosecond in the chosen zone', () => {
    expect(nanosWithinSecond(START)).toBe('123456789');
    expect(nanosWithinSecond(5n)).toBe('000000005');
    expect(nanosToMs(START)).toBe(1_795_976_643_123);
    expect(nanosToMs(-1n)).toBe(-1);
    expect(formatNanosInstant(START, 'UTC')).toBe('2026-11-29 18:24:03.123456789 UTC');
    expect(formatNanosInstant(START, 'Europe/Berlin')).toBe('2026-11-29 19:24:03.123456789 GMT+1');
  });
});
