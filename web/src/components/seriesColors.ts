// A series' colour: one of the palette's CSS variables (styles.css, LLM usage
// section: a light and a dark value each), dashed on the palette's second round
// so a ninth series is still told apart from the first.
import type { CSSProperties } from 'react';

export const PALETTE_SIZE = 8;

export function seriesColor(index: number): string {
  return `var(--series-${index % PALETTE_SIZE})`;
}

export function seriesStyle(index: number): CSSProperties {
  const dashed = Math.floor(index / PALETTE_SIZE) % 2 === 1;
  return { stroke: seriesColor(index), strokeWidth: 2, ...(dashed ? { strokeDasharray: '6 3' } : {}) };
}
