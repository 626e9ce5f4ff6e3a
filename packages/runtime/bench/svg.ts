/**
 * The latency-versus-throughput chart of `--svg`: median latency against
 * calls/s of the quorum call at several in-flight windows, one line per
 * protocol, on log-log axes. Plain hand-written SVG, no dependency.
 */

/** One measured point of a series. */
export interface ChartPoint {
  readonly concurrency: number;
  readonly callsPerSec: number;
  readonly medianMs: number;
}

/** A line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
}

const W = 760;
const H = 470;
const M = { left: 78, right: 24, top: 62, bottom: 84 };

/** Decade ticks (1, 2, 5 × 10^k) covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) {
        out.push(v);
      }
    }
  }
  return out;
}

function fmt(v: number): string {
  if (v >= 1000) {
    return `${v / 1000}k`;
  }
  return v >= 1 ? String(v) : String(Number(v.toPrecision(2)));
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The chart as an SVG document. */
export function latencyThroughputSvg(series: readonly ChartSeries[], title: string, subtitle: string): string {
  const pts = series.flatMap((s) => s.points).filter((p) => p.callsPerSec > 0 && p.medianMs > 0);
  const xs = pts.map((p) => p.callsPerSec);
  const ys = pts.map((p) => p.medianMs);
  // Round the ranges out to the next 1-2-5 step.
  const down = (v: number) => {
    const e = 10 ** Math.floor(Math.log10(v));
    return [5, 2, 1].map((m) => m * e).find((t) => t <= v) ?? e;
  };
  const up = (v: number) => {
    const e = 10 ** Math.floor(Math.log10(v));
    return [1, 2, 5, 10].map((m) => m * e).find((t) => t >= v) ?? 10 * e;
  };
  const x0 = down(Math.min(...xs, 1e9));
  const x1 = up(Math.max(...xs, 1));
  const y0 = down(Math.min(...ys, 1e9));
  const y1 = up(Math.max(...ys, 1e-3));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0) || 1)) * pw;
  const sy = (v: number) => M.top + ph - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(subtitle)}</text>`);
  // Grid and tick labels.
  for (const t of ticks(x0, x1)) {
    const X = sx(t).toFixed(1);
    out.push(`<line x1="${X}" y1="${M.top}" x2="${X}" y2="${M.top + ph}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${X}" y="${M.top + ph + 16}" text-anchor="middle" fill="#333">${fmt(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const Y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${Y}" x2="${M.left + pw}" y2="${Y}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${M.left - 6}" y="${(Number(Y) + 4).toFixed(1)}" text-anchor="end" fill="#333">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 36}" text-anchor="middle">quorum calls per second (log scale)</text>`);
  out.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">median latency, ms (log scale)</text>`);
  // Series: a line through the windows in order, a dot and the window at each point.
  for (const s of series) {
    const ps = s.points.filter((p) => p.callsPerSec > 0 && p.medianMs > 0);
    if (ps.length === 0) {
      continue;
    }
    const path = ps.map((p, i) => `${i === 0 ? "M" : "L"}${sx(p.callsPerSec).toFixed(1)},${sy(p.medianMs).toFixed(1)}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of ps) {
      const X = sx(p.callsPerSec);
      const Y = sy(p.medianMs);
      out.push(`<circle cx="${X.toFixed(1)}" cy="${Y.toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.label}: ${p.concurrency} in flight, ${Math.round(p.callsPerSec)} calls/s, median ${p.medianMs.toFixed(3)} ms`)}</title></circle>`);
      out.push(`<text x="${(X + 6).toFixed(1)}" y="${(Y - 6).toFixed(1)}" fill="${s.color}" font-size="11">${p.concurrency}</text>`);
    }
  }
  // Legend.
  let ly = M.top + ph + 58;
  let lx = M.left;
  for (const s of series) {
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<circle cx="${lx + 11}" cy="${ly - 4}" r="4" fill="${s.color}"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}">${esc(s.label)}</text>`);
    lx += 40 + s.label.length * 6.5;
    if (lx > W - 200) {
      lx = M.left;
      ly += 16;
    }
  }
  out.push(`<text x="${W - M.right}" y="${M.top + ph + 58}" text-anchor="end" fill="#555" font-size="11">point labels: calls in flight</text>`);
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
