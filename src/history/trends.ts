/** The per-run figures a history draws as trends, and the small pictures of them (text and SVG). */
import { formatMs, type Markup, markup } from '../report/svg.ts';
import type { StoredRun } from './read.ts';

export interface Trend {
  label: string;
  values: Array<number | undefined>;
  format(value: number): string;
}

export function trendsOf(runs: readonly StoredRun[]): Trend[] {
  return [
    { label: 'time to first byte (median)', values: runs.map((r) => r.firstByteMs), format: formatMs },
    { label: 'total time (median)', values: runs.map((r) => r.totalMs), format: formatMs },
    { label: 'tokens per run', values: runs.map((r) => r.tokens), format: (n) => n.toLocaleString('en-US') },
  ];
}

const BARS = '▁▂▃▄▅▆▇█';

function scale(values: ReadonlyArray<number | undefined>): { min: number; max: number } {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return { min: Math.min(...known), max: Math.max(...known) };
}

/** `▁▃█▅` — one character per run, a space where the run has no figure. */
export function sparkText(values: ReadonlyArray<number | undefined>): string {
  const { min, max } = scale(values);
  return values
    .map((v) => {
      if (v === undefined || !Number.isFinite(v)) return ' ';
      const at = max > min ? Math.round(((v - min) / (max - min)) * (BARS.length - 1)) : 0;
      return BARS[at] ?? ' ';
    })
    .join('');
}

/** A small line with a dot per run; the first and last values and the range are written beside it. */
export function sparkSvg(trend: Trend, width = 180, height = 36): Markup {
  const pad = 4;
  const { min, max } = scale(trend.values);
  const n = trend.values.length;
  const x = (i: number): number => Math.round((pad + (n > 1 ? (i * (width - 2 * pad)) / (n - 1) : (width - 2 * pad) / 2)) * 10) / 10;
  const y = (v: number): number =>
    Math.round((height - pad - (max > min ? ((v - min) / (max - min)) * (height - 2 * pad) : (height - 2 * pad) / 2)) * 10) / 10;
  const points = trend.values.flatMap((v, i) => (v === undefined || !Number.isFinite(v) ? [] : [{ x: x(i), y: y(v), v }]));
  const path = points.map((p) => `${p.x},${p.y}`).join(' ');
  const known = points.map((p) => p.v);
  const range = known.length > 0 ? `${trend.format(min)} – ${trend.format(max)}, last ${trend.format(known.at(-1) ?? 0)}` : 'no figures';
  return markup`<figure class="trend"><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${trend.label}: ${range}"><rect x="0" y="0" width="${width}" height="${height}" fill="#fafafa" stroke="#e0e0e0"/>${points.length > 1 ? markup`<polyline points="${path}" fill="none" stroke="#1565c0" stroke-width="1.5"/>` : ''}${points.map((p) => markup`<circle cx="${p.x}" cy="${p.y}" r="2" fill="#1565c0"><title>${trend.format(p.v)}</title></circle>`)}</svg><figcaption>${trend.label}<br><span class="muted">${range}</span></figcaption></figure>`;
}
