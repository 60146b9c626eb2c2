// Nanosecond times exactly as the api sent them. JSON.parse reads every number
// as a double, exact only up to 2^53 (about 9.0e15): unix nanoseconds today are
// about 1.8e18, so a parsed start_ns is off by up to 128 ns, too coarse for a
// span's start shown to the nanosecond or for sub-microsecond offsets. Parsing
// every answer with a reviver would double its cost (a 50k-span trace), so the
// answer's text is kept beside it and a span's exact times are read from the
// text when asked for.

const rawText = new WeakMap<object, string>();

// Called by the api client for every JSON object answer.
export function rememberAnswerText(answer: unknown, text: string): void {
  if (answer !== null && typeof answer === 'object') rawText.set(answer, text);
}

export interface ExactSpanTimes {
  start: bigint;
  end: bigint;
}

// A span's start and end in `answer` (any answer holding spans as the api writes
// them: trace_id, span_id, parent_span_id, ..., start_ns, end_ns in that order).
// "span_id":"…","parent_span_id" and "start_ns": cannot occur inside a JSON
// string (its quotes would be escaped), so the first start_ns after the span's
// id is its own. Null when the answer's text is not known or lacks the span.
export function exactSpanTimes(answer: unknown, spanId: string): ExactSpanTimes | null {
  const text = answer !== null && typeof answer === 'object' ? rawText.get(answer) : undefined;
  if (!text || !/^[0-9a-f]+$/.test(spanId)) return null;
  const at = text.indexOf(`"span_id":"${spanId}","parent_span_id"`);
  if (at < 0) return null;
  const times = /"start_ns":(-?\d+),"end_ns":(-?\d+)/g;
  times.lastIndex = at;
  const m = times.exec(text);
  return m ? { start: BigInt(m[1]), end: BigInt(m[2]) } : null;
}

// The nanoseconds within the second, nine digits ("123456789").
export function nanosWithinSecond(ns: bigint): string {
  const within = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return within.toString().padStart(9, '0');
}

// Whole milliseconds of an exact time, as a JS number for Date and Intl (exact:
// unix milliseconds stay below 2^53 until the year 287396).
export function nanosToMs(ns: bigint): number {
  const ms = ns / 1_000_000n;
  return Number(ns < 0n && ns % 1_000_000n !== 0n ? ms - 1n : ms);
}
