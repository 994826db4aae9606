/**
 * Hand-made SVG for the report: a region's heat strip (fault density along it) and the Gantt chart of
 * region lifetimes. Pure string builders; every text is escaped.
 */
import { formatNs } from '../trace/time.js';
import type { ReportRegion } from './data.js';

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** White (0) through yellow and orange to dark red (max), on a log scale. */
export function heatColor(v: number, max: number): string {
  if (v <= 0) return '#f4f4f4';
  const x = max <= 1 ? 1 : Math.log1p(v) / Math.log1p(max);
  const stops = [[255, 237, 160], [254, 178, 76], [240, 59, 32], [128, 0, 38]];
  const p = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(p));
  const f = p - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function heatStrip(r: ReportRegion, width = 640, height = 18): string {
  const n = r.strip.length || 1;
  const max = Math.max(0, ...r.strip);
  const w = width / n;
  const cells = r.strip.map((v, i) => {
    const p0 = i * r.pagesPerCell;
    const title = `pages ${p0}-${Math.min(r.pages, p0 + r.pagesPerCell) - 1}: ${v} faults`;
    return `<rect x="${(i * w).toFixed(2)}" y="0" width="${(w + 0.05).toFixed(2)}" height="${height}" fill="${heatColor(v, max)}"><title>${title}</title></rect>`;
  });
  return `<svg class="strip" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="heat strip of ${esc(r.label)}">${cells.join('')}<rect x="0" y="0" width="${width}" height="${height}" fill="none" stroke="#999"/></svg>`;
}

export function gantt(regions: readonly ReportRegion[], endT: number, width = 900): string {
  const row = 18;
  const left = 260;
  const plotW = width - left - 20;
  const h = regions.length * row + 40;
  const span = endT > 0 ? endT : 1;
  const x = (t: number) => left + (Math.max(0, t) / span) * plotW;
  const bars = regions.map((r, i) => {
    const y = 10 + i * row;
    const x0 = x(r.added);
    const x1 = Math.max(x0 + 2, x(r.removed ?? endT));
    const fill = r.removed === null ? '#4a7fb5' : '#9bb7d4';
    const tip = `${r.label} ${r.start.toString(16)}-${r.end.toString(16)} ${r.prot}: ${formatNs(r.added)} .. ${r.removed === null ? 'end' : formatNs(r.removed)}`;
    return `<text x="${left - 6}" y="${y + 12}" text-anchor="end" font-size="11">${esc(r.label.length > 38 ? '…' + r.label.slice(-37) : r.label)}</text>` +
      `<rect x="${x0.toFixed(1)}" y="${y + 2}" width="${(x1 - x0).toFixed(1)}" height="${row - 5}" fill="${fill}"><title>${esc(tip)}</title></rect>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const tx = left + f * plotW;
    return `<line x1="${tx}" x2="${tx}" y1="6" y2="${h - 24}" stroke="#ddd"/><text x="${tx}" y="${h - 8}" text-anchor="middle" font-size="11">${formatNs(f * span)}</text>`;
  });
  return `<svg class="gantt" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" role="img" aria-label="region lifetimes">${ticks.join('')}${bars.join('')}</svg>`;
}
