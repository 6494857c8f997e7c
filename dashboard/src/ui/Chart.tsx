// A dependency-free SVG line chart for daily series; the numbers are also in a table for screen readers.
export interface Series {
  label: string;
  points: { x: Date; y: number }[];
}

const W = 640;
const H = 200;
const PAD = 32;
const COLORS = ["#2563eb", "#db2777", "#059669", "#d97706"];

export function LineChart({ title, series }: { title: string; series: Series[] }) {
  const xs = series.flatMap((s) => s.points.map((p) => p.x.getTime()));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  if (xs.length === 0) return <p className="empty">No data in this period.</p>;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(1, ...ys);
  const sx = (x: number) => PAD + ((x - x0) / Math.max(1, x1 - x0)) * (W - 2 * PAD);
  const sy = (y: number) => H - PAD - (y / y1) * (H - 2 * PAD);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="none">
        <line x1={PAD} y1={H - PAD} x2={W - PAD} y2={H - PAD} stroke="#ccc" />
        <text x={4} y={PAD} fontSize="11">{y1.toLocaleString()}</text>
        <text x={4} y={H - PAD} fontSize="11">0</text>
        {series.map((s, i) => (
          <polyline
            key={s.label}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth={2}
            points={s.points.map((p) => `${sx(p.x.getTime()).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}
          />
        ))}
      </svg>
      <figcaption>
        {series.map((s, i) => (
          <span key={s.label} className="legend">
            <span style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" /> {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
