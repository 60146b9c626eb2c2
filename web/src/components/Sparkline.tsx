// A tiny line chart of recent values (nulls are gaps).
export function Sparkline({ values, label, width = 160, height = 32 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length < 2) return <svg width={width} height={height} aria-label={`${label}: no data yet`} />;
  const max = Math.max(...present, 1e-9);
  const min = Math.min(...present, 0);
  const step = width / Math.max(values.length - 1, 1);
  let d = '';
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    const x = i * step;
    const y = height - 2 - ((v - min) / Math.max(max - min, 1e-9)) * (height - 4);
    d += `${d && values[i - 1] !== null ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
  });
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={label}>
      <path d={d} />
    </svg>
  );
}
