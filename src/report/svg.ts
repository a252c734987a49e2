/**
 * Markup helpers and the inline SVG pictures of report.html. Everything here is a pure function from data
 * to markup; every string that reaches the output goes through `escapeXml`, because most of it comes from the
 * target and is hostile input.
 */
import type { Verdict } from '../core/vocabulary.ts';

// XML 1.0 allows only these code points; a lone surrogate is not among them (the `u` flag sees it as one).
const XML_ILLEGAL = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Removes code points XML 1.0 forbids (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
export function stripXmlIllegal(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for XML/HTML element content and quoted attribute values. */
export function escapeXml(text: string): string {
  return stripXmlIllegal(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Escapes text for XML element content only (quotes stay readable). */
export function escapeXmlText(text: string): string {
  return stripXmlIllegal(text).replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** A string that is already markup; only `markup` and `raw` make one, so escaping is the default. */
export class Markup {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type MarkupValue = Markup | string | number | null | undefined | false | readonly MarkupValue[];

function renderValue(value: MarkupValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Markup) return value.value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return escapeXml(value);
  return value.map(renderValue).join('');
}

/** Tagged template: interpolated strings are escaped, `Markup` is kept, arrays are joined, nullish drops out. */
export function markup(strings: TemplateStringsArray, ...values: MarkupValue[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** Trusted markup built by this module (never pass target data here). */
export const raw = (value: string): Markup => new Markup(value);

/** Rounds a coordinate so the SVG stays small and diffable. */
const n = (value: number): number => Math.round(value * 10) / 10;

/** `4.2 ms`, `812 ms`, `1.25 s`, `3 s`, `12.5 s`. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${n(ms)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${seconds < 10 ? Number(seconds.toFixed(2)) : Number(seconds.toFixed(1))} s`;
}

/** Evenly spaced round tick values from 0 up to at least `max` (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  // Multiplying (not accumulating) keeps 0.1-sized steps free of float drift.
  const tick = (i: number): number => Number((i * step).toPrecision(12));
  const ticks: number[] = [];
  for (let i = 0; tick(i) < max; i++) ticks.push(tick(i));
  ticks.push(tick(ticks.length));
  return ticks;
}

export type CellVerdict = Verdict | 'not-run';

export const VERDICT_STYLE: Readonly<Record<CellVerdict, { fill: string; ink: string; glyph: string; label: string }>> = {
  pass: { fill: '#2e7d32', ink: '#ffffff', glyph: '✓', label: 'pass' },
  fail: { fill: '#c62828', ink: '#ffffff', glyph: '✗', label: 'fail' },
  warn: { fill: '#f9a825', ink: '#212121', glyph: '!', label: 'warn' },
  skip: { fill: '#9e9e9e', ink: '#ffffff', glyph: '–', label: 'skip' },
  'not-run': { fill: '#ffffff', ink: '#9e9e9e', glyph: '·', label: 'not run' },
};

export function legendSvg(items: ReadonlyArray<{ fill: string; label: string; stroke?: string }>, x: number, y: number): Markup {
  let at = x;
  const parts = items.map((item) => {
    const part = markup`<g transform="translate(${n(at)},${n(y)})"><rect width="12" height="12" rx="2" fill="${item.fill}" stroke="${item.stroke ?? '#757575'}" stroke-width="0.5"/><text x="17" y="10.5" class="lbl">${item.label}</text></g>`;
    at += 30 + item.label.length * 6.6;
    return part;
  });
  return markup`<g class="legend">${parts}</g>`;
}

export interface MatrixCell {
  id: string;
  verdict: CellVerdict;
  /** Tooltip text. */
  title: string;
  /** Fragment link to the check's section, e.g. `#check-streaming.done-once`. */
  href?: string;
}

export interface MatrixRow {
  area: string;
  cells: MatrixCell[];
}

const CELL = 22;
const CELL_GAP = 3;

/** Areas × checks grid, one coloured cell per check, with a glyph so colour is not the only signal. */
export function matrixSvg(rows: readonly MatrixRow[]): Markup {
  const labelWidth = 150;
  const columns = Math.max(1, ...rows.map((r) => r.cells.length));
  const top = 22;
  const width = labelWidth + columns * (CELL + CELL_GAP) + 10;
  const gridHeight = rows.length * (CELL + CELL_GAP);
  const height = top + gridHeight + 40;
  const header = Array.from({ length: columns }, (_, i) => {
    const cx = labelWidth + i * (CELL + CELL_GAP) + CELL / 2;
    return markup`<text x="${n(cx)}" y="14" class="lbl" text-anchor="middle">${i + 1}</text>`;
  });
  const body = rows.map((row, r) => {
    const y = top + r * (CELL + CELL_GAP);
    const cells = row.cells.map((cell, c) => {
      const style = VERDICT_STYLE[cell.verdict];
      const x = labelWidth + c * (CELL + CELL_GAP);
      const shape = markup`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" rx="3" fill="${style.fill}" stroke="${cell.verdict === 'not-run' ? '#bdbdbd' : 'none'}"/><text x="${n(x + CELL / 2)}" y="${n(y + CELL / 2 + 4.5)}" text-anchor="middle" class="glyph" fill="${style.ink}">${style.glyph}</text>`;
      const inner = markup`<title>${cell.title}</title>${shape}`;
      return cell.href
        ? markup`<a href="${cell.href}" data-check="${cell.id}">${inner}</a>`
        : markup`<g data-check="${cell.id}">${inner}</g>`;
    });
    return markup`<text x="${labelWidth - 8}" y="${n(y + CELL / 2 + 4)}" text-anchor="end" class="lbl">${row.area}</text>${cells}`;
  });
  const legend = legendSvg(
    (Object.keys(VERDICT_STYLE) as CellVerdict[]).map((v) => ({
      fill: VERDICT_STYLE[v].fill,
      label: VERDICT_STYLE[v].label,
      ...(v === 'not-run' ? { stroke: '#bdbdbd' } : {}),
    })),
    labelWidth,
    top + gridHeight + 14,
  );
  return markup`<svg xmlns="http://www.w3.org/2000/svg" class="chart matrix" role="img" aria-labelledby="matrix-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title id="matrix-title">Pass/fail matrix: areas by checks</title>${header}${body}${legend}</svg>`;
}

export interface LatencyRow {
  label: string;
  headersMs?: number;
  firstByteMs?: number;
  totalMs: number;
  /** Transport error code, when the exchange ended in one. */
  error?: string;
  /** Tooltip text. */
  title: string;
}

const SEGMENT = {
  headers: { fill: '#90caf9', label: 'to headers' },
  firstByte: { fill: '#42a5f5', label: 'headers → first byte' },
  body: { fill: '#1565c0', label: 'first byte → end' },
  error: { fill: '#e57373', label: 'ended in a transport error' },
} as const;

function segmentsOf(row: LatencyRow): Array<{ from: number; to: number; fill: string }> {
  const total = Math.max(0, row.totalMs);
  if (row.headersMs === undefined) return [{ from: 0, to: total, fill: SEGMENT.error.fill }];
  const headers = Math.min(row.headersMs, total);
  const first = Math.min(Math.max(row.firstByteMs ?? headers, headers), total);
  const tail = row.error ? SEGMENT.error.fill : SEGMENT.body.fill;
  return [
    { from: 0, to: headers, fill: SEGMENT.headers.fill },
    { from: headers, to: first, fill: SEGMENT.firstByte.fill },
    { from: first, to: total, fill: tail },
  ].filter((s) => s.to > s.from);
}

/** One horizontal bar per exchange: time to headers, to first byte and to the end, on a shared millisecond axis. */
export function latencySvg(rows: readonly LatencyRow[]): Markup {
  const labelWidth = 230;
  const plotWidth = 640;
  const rowHeight = 14;
  const top = 26;
  const max = Math.max(1, ...rows.map((r) => r.totalMs));
  const ticks = niceTicks(max);
  const scaleMax = ticks.at(-1) ?? max;
  const x = (ms: number): number => labelWidth + (ms / scaleMax) * plotWidth;
  const plotHeight = rows.length * rowHeight;
  const width = labelWidth + plotWidth + 90;
  const height = top + plotHeight + 40;
  const grid = ticks.map(
    (t) =>
      markup`<line x1="${n(x(t))}" y1="${top - 4}" x2="${n(x(t))}" y2="${top + plotHeight}" class="grid"/><text x="${n(x(t))}" y="${top - 8}" text-anchor="middle" class="lbl">${formatMs(t)}</text>`,
  );
  const bars = rows.map((row, i) => {
    const y = top + i * rowHeight;
    const rects = segmentsOf(row).map(
      (s) =>
        markup`<rect x="${n(x(s.from))}" y="${y + 2}" width="${n(Math.max(0.5, x(s.to) - x(s.from)))}" height="${rowHeight - 4}" fill="${s.fill}"/>`,
    );
    const note = row.error ? markup`<text x="${n(x(row.totalMs) + 4)}" y="${y + rowHeight - 3}" class="lbl err">${row.error}</text>` : '';
    return markup`<g class="row"><title>${row.title}</title><text x="${labelWidth - 6}" y="${y + rowHeight - 3}" text-anchor="end" class="lbl mono">${clip(row.label, 34)}</text>${rects}${note}</g>`;
  });
  const legend = legendSvg(Object.values(SEGMENT), labelWidth, top + plotHeight + 14);
  return markup`<svg xmlns="http://www.w3.org/2000/svg" class="chart latency" role="img" aria-labelledby="latency-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title id="latency-title">Latency per exchange: time to headers, to first byte and total</title>${grid}${bars}${legend}</svg>`;
}

export interface Bin {
  /** Inclusive lower edge, in the unit of the values. */
  from: number;
  /** Exclusive upper edge; `Infinity` for the last, open bin. */
  to: number;
  count: number;
}

/** Counts values into bins bounded by ascending `edges`; the last bin is open-ended. Values below edges[0] go first. */
export function binValues(values: readonly number[], edges: readonly number[]): Bin[] {
  const bins: Bin[] = edges.map((from, i) => ({ from, to: edges[i + 1] ?? Infinity, count: 0 }));
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const bin = bins.find((b) => value < b.to) ?? bins.at(-1);
    if (bin) bin.count += 1;
  }
  return bins;
}

/** Roughly logarithmic millisecond edges: stream gaps span from sub-millisecond to the idle timeout. */
export const GAP_EDGES_MS = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

export function binLabel(bin: Bin): string {
  const short = (ms: number): string => (ms >= 1000 ? `${ms / 1000}s` : `${ms}`);
  return bin.to === Infinity ? `≥${short(bin.from)}` : `${short(bin.from)}–${short(bin.to)}`;
}

/** Vertical-bar histogram of binned millisecond values. */
export function histogramSvg(bins: readonly Bin[], caption: string, unitNoun: string): Markup {
  const left = 40;
  const barWidth = 38;
  const plotHeight = 140;
  const top = 24;
  const width = left + bins.length * barWidth + 20;
  const height = top + plotHeight + 44;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const ticks = niceTicks(max, 4).filter((t) => Number.isInteger(t));
  const scaleMax = ticks.at(-1) ?? max;
  const y = (count: number): number => top + plotHeight - (count / scaleMax) * plotHeight;
  const grid = ticks.map(
    (t) =>
      markup`<line x1="${left}" y1="${n(y(t))}" x2="${width - 10}" y2="${n(y(t))}" class="grid"/><text x="${left - 5}" y="${n(y(t) + 4)}" text-anchor="end" class="lbl">${t}</text>`,
  );
  const bars = bins.map((bin, i) => {
    const bx = left + i * barWidth + 3;
    const label = binLabel(bin);
    return markup`<g><title>${label} ms: ${bin.count} ${bin.count === 1 ? unitNoun : `${unitNoun}s`}</title><rect x="${bx}" y="${n(y(bin.count))}" width="${barWidth - 6}" height="${n(top + plotHeight - y(bin.count))}" fill="#5c6bc0"/><text x="${n(bx + (barWidth - 6) / 2)}" y="${top + plotHeight + 14}" text-anchor="middle" class="lbl small">${label}</text>${bin.count > 0 ? markup`<text x="${n(bx + (barWidth - 6) / 2)}" y="${n(y(bin.count) - 3)}" text-anchor="middle" class="lbl small">${bin.count}</text>` : ''}</g>`;
  });
  return markup`<svg xmlns="http://www.w3.org/2000/svg" class="chart histogram" role="img" aria-labelledby="gaps-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title id="gaps-title">${caption}</title>${grid}${bars}<text x="${left}" y="${top + plotHeight + 34}" class="lbl">milliseconds</text></svg>`;
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
