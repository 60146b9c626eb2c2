// The WAL's disk use against its --wal-disk-budget, marked where the api starts warning.
import type { WalDisk } from '../../lib/pipeline/pipelineView';

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

export function WalDiskBar({ disk, warnFraction }: { disk: WalDisk; warnFraction: number }) {
  const percent = Math.min(100, disk.fraction * 100);
  const level = disk.fraction >= 1 ? 'full' : disk.fraction >= warnFraction ? 'warn' : 'ok';
  return (
    <div className="pl-disk" data-testid="wal-disk">
      <div className="pl-disk-label">
        <span>WAL disk ({disk.instance})</span>
        <span data-testid="wal-disk-text">
          {bytes(disk.used)} of {bytes(disk.budget)} ({percent.toFixed(percent < 1 ? 2 : 0)}%)
        </span>
      </div>
      <div
        className={`pl-disk-bar ${level}`}
        role="meter"
        aria-label="WAL disk used of its budget"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Number(percent.toFixed(2))}
      >
        <span className="pl-disk-fill" style={{ width: `${percent}%` }} />
        <span className="pl-disk-warn" style={{ left: `${warnFraction * 100}%` }} title={`warning from ${Math.round(warnFraction * 100)}%`} />
      </div>
    </div>
  );
}
