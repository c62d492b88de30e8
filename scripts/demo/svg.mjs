// A small chart module: one function, `chart(spec)`, returns a self-contained inline <svg>
// string (no scripts, no external references). Supports lines, steps, areas, stacked bars, a
// linear or logarithmic y axis, vertical annotations, horizontal reference lines, shaded
// bands, labelled strips under the x axis and a legend.
//
// spec = {
//   id, title, width = 660, height = 240,
//   x: { min, max, ticks: [{ value, label }], minor: [value], label },
//   y: { min = 0, max, log = false, label, format(v) → string },
//   series: [{ name, color, kind: 'line' | 'step' | 'area' | 'bars', points: [[x, y | null]],
//              dash, strokeWidth, opacity, markers, barWidth, pattern: 'hatch', legend = true,
//              tooltip(x, y) → string }],
//   bands: [{ from, to, fill, label }],            // shaded x ranges behind the data
//   annotations: [{ x, label, color, title }],      // numbered vertical markers
//   hlines: [{ y, label, color }],                  // horizontal reference lines
//   strips: [{ label, segments: [{ from, to, fill, text }] }], // rows under the x axis
//   empty: 'text shown when no series has data',
// }

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const CHAR = 6.4; // approximate width of a 11–12 px character, for layout

export function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const r1 = (v) => Math.round(v * 10) / 10;

/** A "nice" upper bound and tick step for a linear axis from 0 (or min) to `max`. */
export function niceScale(min, max, count = 5) {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const top = Math.ceil(max / step - 1e-9) * step;
  const ticks = [];
  for (let v = min; v <= top + step / 2; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return { max: top, ticks };
}

function legendLayout(items, width, left) {
  // Lays items out in rows from `left`; returns positioned items and the height used.
  const out = [];
  let x = left;
  let row = 0;
  for (const item of items) {
    const w = 18 + item.name.length * CHAR + 16;
    if (x + w > width - 8 && x > left) {
      x = left;
      row += 1;
    }
    out.push({ ...item, x, y: 14 + row * 17 });
    x += w;
  }
  return { items: out, height: items.length ? 14 + row * 17 + 10 : 0 };
}

const LEFT = 68;
const RIGHT = 14;

function layout(spec) {
  const width = spec.width ?? 660;
  const series = spec.series.filter((s) => s.points);
  const legendItems = series.filter((s) => s.legend !== false).map((s) => ({ name: s.name, color: s.color, kind: s.kind, dash: s.dash, pattern: s.pattern }));
  const legend = legendLayout(legendItems, width, LEFT);
  const plotW = width - LEFT - RIGHT;
  // Annotation markers go in lanes above the plot, so that close ones do not overlap.
  const lanes = [];
  const annotations = (spec.annotations ?? [])
    .filter((a) => a.x >= spec.x.min && a.x <= spec.x.max)
    .map((a, i) => ({ ...a, label: a.label ?? String(i + 1), px: LEFT + ((a.x - spec.x.min) / (spec.x.max - spec.x.min)) * plotW }))
    .sort((a, b) => a.px - b.px)
    .map((a) => {
      let lane = lanes.findIndex((lastX) => a.px - lastX >= 17);
      if (lane === -1) {
        lane = lanes.length;
        lanes.push(a.px);
      } else lanes[lane] = a.px;
      return { ...a, lane };
    });
  const top = legend.height + 12 + lanes.length * 17;
  return { width, series, legend, plotW, annotations, top };
}

/** The y of the plot area's top edge: pass the larger of two charts' as `spec.top` to align them. */
export function chartTop(spec) {
  return layout(spec).top;
}

export function chart(spec) {
  const { width, series, legend, plotW, annotations, top: naturalTop } = layout(spec);
  const left = LEFT;
  const top = Math.max(naturalTop, spec.top ?? 0);
  const plotH = (spec.height ?? 240) - 60;
  const stripH = (spec.strips?.length ?? 0) * 18;
  const bottom = 36 + (spec.x.label ? 14 : 0) + (stripH ? stripH + 8 : 0);
  const height = top + plotH + bottom;

  const { x } = spec;
  const sx = (v) => left + ((v - x.min) / (x.max - x.min)) * plotW;

  // y scale
  const log = Boolean(spec.y.log);
  let yMin = spec.y.min ?? (log ? 0.1 : 0);
  let yMax = spec.y.max;
  let yTicks;
  if (log) {
    yMax = 10 ** Math.ceil(Math.log10(Math.max(yMax ?? 1, yMin * 10)));
    yTicks = [];
    for (let e = Math.round(Math.log10(yMin)); e <= Math.round(Math.log10(yMax)); e++) yTicks.push(10 ** e);
  } else {
    const nice = niceScale(yMin, yMax ?? 1, spec.y.tickCount ?? 5);
    yMax = nice.max;
    yTicks = nice.ticks;
  }
  const sy = (v) => {
    if (log) {
      const c = Math.min(Math.max(v, yMin), yMax);
      return top + plotH - ((Math.log10(c) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
    }
    return top + plotH - ((Math.min(v, yMax) - yMin) / (yMax - yMin)) * plotH;
  };
  const fmtY = spec.y.format ?? ((v) => String(v));
  const uid = esc(spec.id);

  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${uid}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(spec.title ?? spec.id)}" font-family="${esc(FONT)}" font-size="11">`,
  );
  if (spec.title) parts.push(`<title>${esc(spec.title)}</title>`);
  parts.push(
    `<defs><pattern id="hatch-${uid}" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="#555"/><line x1="0" y1="0" x2="0" y2="5" stroke="#bbb" stroke-width="2"/></pattern>` +
      `<clipPath id="clip-${uid}"><rect x="${left}" y="${top - 1}" width="${plotW}" height="${plotH + 2}"/></clipPath></defs>`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);

  // bands
  for (const b of spec.bands ?? []) {
    const x0 = sx(Math.max(b.from, x.min));
    const x1 = sx(Math.min(b.to, x.max));
    if (x1 <= x0) continue;
    parts.push(`<rect class="band" x="${r1(x0)}" y="${top}" width="${r1(x1 - x0)}" height="${plotH}" fill="${b.fill ?? '#fbeff2'}"/>`);
    if (b.label && b.label.length * 5.5 < x1 - x0) {
      parts.push(`<text x="${r1((x0 + x1) / 2)}" y="${top + 12}" text-anchor="middle" fill="#b05070" font-size="10">${esc(b.label)}</text>`);
    }
  }

  // grid and axes
  for (const v of x.minor ?? []) parts.push(`<line x1="${r1(sx(v))}" x2="${r1(sx(v))}" y1="${top}" y2="${top + plotH}" stroke="#f0f0f0"/>`);
  for (const t of x.ticks ?? []) parts.push(`<line x1="${r1(sx(t.value))}" x2="${r1(sx(t.value))}" y1="${top}" y2="${top + plotH}" stroke="#e4e4e4"/>`);
  for (const v of yTicks) {
    const yy = r1(sy(v));
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="${v === yMin ? '#999' : '#e4e4e4'}"/>`);
    parts.push(`<text x="${left - 6}" y="${yy + 3.5}" text-anchor="end" fill="#555">${esc(fmtY(v))}</text>`);
  }
  for (const t of x.ticks ?? []) {
    parts.push(`<line x1="${r1(sx(t.value))}" x2="${r1(sx(t.value))}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="#999"/>`);
    parts.push(`<text x="${r1(sx(t.value))}" y="${top + plotH + 16}" text-anchor="middle" fill="#444">${esc(t.label)}</text>`);
  }
  if (spec.y.label) {
    parts.push(`<text transform="translate(11 ${r1(top + plotH / 2)}) rotate(-90)" text-anchor="middle" fill="#444">${esc(spec.y.label)}</text>`);
  }
  let stripTop = top + plotH + 24;
  if (spec.x.label) {
    parts.push(`<text x="${left + plotW}" y="${top + plotH + 30}" text-anchor="end" fill="#666" font-size="10">${esc(spec.x.label)}</text>`);
    stripTop += 14;
  }

  // data
  const stacks = new Map();
  const drawn = { count: 0 };
  parts.push(`<g clip-path="url(#clip-${uid})">`);
  for (const s of series) {
    const color = s.color ?? '#333';
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const sw = s.strokeWidth ?? 1.8;
    const base = `class="series" data-series="${esc(s.name)}"`;
    if (s.kind === 'bars') {
      const stack = stacks.get(s.stack ?? 'default') ?? new Map();
      stacks.set(s.stack ?? 'default', stack);
      const bw = ((s.barWidth ?? 1) / (x.max - x.min)) * plotW;
      const rects = [];
      for (const [px, py] of s.points) {
        if (py === null || py === undefined || py <= 0) continue;
        const below = stack.get(px) ?? 0;
        stack.set(px, below + py);
        const y0 = sy(below);
        const y1 = sy(below + py);
        const gap = Math.min(1, bw * 0.15);
        const fill = s.pattern === 'hatch' ? `url(#hatch-${uid})` : color;
        const tip = s.tooltip ? `<title>${esc(s.tooltip(px, py))}</title>` : '';
        rects.push(`<rect x="${r1(sx(px) + gap / 2)}" y="${r1(y1)}" width="${r1(Math.max(0.5, bw - gap))}" height="${r1(Math.max(0.5, y0 - y1))}" fill="${fill}">${tip}</rect>`);
      }
      if (rects.length) {
        drawn.count += 1;
        parts.push(`<g ${base} fill-opacity="${s.opacity ?? 0.9}">${rects.join('')}</g>`);
      }
      continue;
    }
    // line, step, area: split into runs of non-null points
    const runs = [];
    let run = [];
    for (const p of s.points) {
      if (p[1] === null || p[1] === undefined || Number.isNaN(p[1])) {
        if (run.length) runs.push(run);
        run = [];
      } else run.push(p);
    }
    if (run.length) runs.push(run);
    if (!runs.length) continue;
    drawn.count += 1;
    const paths = [];
    for (const pts of runs) {
      let d = `M${r1(sx(pts[0][0]))} ${r1(sy(pts[0][1]))}`;
      for (let i = 1; i < pts.length; i++) {
        d += s.kind === 'step' ? `H${r1(sx(pts[i][0]))}V${r1(sy(pts[i][1]))}` : `L${r1(sx(pts[i][0]))} ${r1(sy(pts[i][1]))}`;
      }
      if (s.kind === 'step' && s.extendTo !== undefined) d += `H${r1(sx(s.extendTo))}`;
      if (s.kind === 'area') {
        const last = pts[pts.length - 1][0];
        const area = `${d}L${r1(sx(last))} ${r1(sy(yMin))}L${r1(sx(pts[0][0]))} ${r1(sy(yMin))}Z`;
        paths.push(`<path d="${area}" fill="${color}" fill-opacity="${s.opacity ?? 0.25}" stroke="none"/>`);
        paths.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${s.strokeWidth ?? 1.2}"${dash}/>`);
      } else {
        paths.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${sw}" stroke-linejoin="round"${dash}/>`);
      }
      if (s.markers) {
        for (const [px, py] of pts) {
          const tip = s.tooltip ? `<title>${esc(s.tooltip(px, py))}</title>` : '';
          paths.push(`<circle cx="${r1(sx(px))}" cy="${r1(sy(py))}" r="2.4" fill="${color}">${tip}</circle>`);
        }
      }
    }
    parts.push(`<g ${base}>${paths.join('')}</g>`);
  }
  parts.push('</g>');

  // reference lines
  for (const h of spec.hlines ?? []) {
    const yy = r1(sy(h.y));
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${yy}" y2="${yy}" stroke="${h.color ?? '#777'}" stroke-dasharray="6 3"/>`);
    if (h.label) parts.push(`<text x="${left + plotW - 4}" y="${yy - 4}" text-anchor="end" fill="${h.color ?? '#777'}" font-size="10">${esc(h.label)}</text>`);
  }

  // annotations: numbered markers above the plot, in lanes
  for (const a of annotations) {
    const ax = r1(a.px);
    const color = a.color ?? '#7a3b8f';
    const cy = top - 10 - a.lane * 17;
    parts.push(
      `<g class="annotation"><line x1="${ax}" x2="${ax}" y1="${cy + 7}" y2="${top + plotH}" stroke="${color}" stroke-dasharray="3 3"/>` +
        `<circle cx="${ax}" cy="${cy}" r="7" fill="${color}"/><text x="${ax}" y="${cy + 3.5}" text-anchor="middle" fill="#fff" font-size="10" font-weight="bold">${esc(a.label)}</text>` +
        (a.title ? `<title>${esc(a.title)}</title>` : '') +
        '</g>',
    );
  }

  // strips under the axis
  (spec.strips ?? []).forEach((strip, row) => {
    const yy = stripTop + row * 18;
    parts.push(`<text x="${left - 6}" y="${yy + 11}" text-anchor="end" fill="#444" font-size="10">${esc(strip.label)}</text>`);
    for (const seg of strip.segments) {
      const x0 = sx(Math.max(seg.from, x.min));
      const x1 = sx(Math.min(seg.to, x.max));
      if (x1 <= x0) continue;
      parts.push(`<rect class="strip" x="${r1(x0)}" y="${yy}" width="${r1(x1 - x0)}" height="15" fill="${seg.fill}" stroke="#fff" stroke-width="1"/>`);
      if (seg.text) {
        const fits = seg.text.length * 6 + 6 < x1 - x0;
        const text = fits ? seg.text : seg.short && seg.short.length * 6 + 4 < x1 - x0 ? seg.short : '';
        if (text) parts.push(`<text x="${r1((x0 + x1) / 2)}" y="${yy + 11}" text-anchor="middle" fill="${seg.textColor ?? '#333'}" font-size="10">${esc(text)}</text>`);
      }
    }
  });

  // legend
  for (const item of legend.items) {
    const lx = r1(item.x);
    const ly = item.y;
    let swatch;
    if (item.kind === 'bars' || item.kind === 'area') {
      const fill = item.pattern === 'hatch' ? `url(#hatch-${uid})` : item.color;
      swatch = `<rect x="${lx}" y="${ly - 8}" width="12" height="10" fill="${fill}" fill-opacity="${item.kind === 'area' ? 0.5 : 0.9}"/>`;
    } else {
      swatch = `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 3}" y2="${ly - 3}" stroke="${item.color}" stroke-width="2.2"${item.dash ? ` stroke-dasharray="${item.dash}"` : ''}/>`;
    }
    parts.push(`<g class="legend">${swatch}<text x="${lx + 18}" y="${ly}" fill="#333">${esc(item.name)}</text></g>`);
  }

  if (drawn.count === 0 && spec.empty) {
    parts.push(`<text x="${r1(left + plotW / 2)}" y="${r1(top + plotH / 2)}" text-anchor="middle" fill="#888" font-size="13">${esc(spec.empty)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
