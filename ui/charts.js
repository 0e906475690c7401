/* charts.js — hand-drawn SVG charts for kiln's web UI: a line chart, a
 * sparkline and a bar chart, built with createElementNS (no markup strings,
 * so nothing a user named can become markup). Figures arrive aggregated by
 * the server (GET .../series), at most a few hundred points per line. */
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#0b57d0", "#b3261e", "#1a7f37", "#9a6700", "#8250df", "#0a7d8c", "#6e7781"];

  function el(tag, attrs) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function text(x, y, s, attrs) {
    const t = el("text", Object.assign({ x, y, "font-size": 11, fill: "#59636e" }, attrs || {}));
    t.textContent = s;
    return t;
  }
  function maxOf(series) {
    let m = 0;
    for (const s of series) for (const v of s.values) if (v != null && v > m) m = v;
    return m > 0 ? m : 1;
  }
  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, "0");
    const hm = p(d.getHours()) + ":" + p(d.getMinutes());
    return spanMs > 86400000 ? (d.getMonth() + 1) + "/" + d.getDate() + " " + hm : hm;
  }

  /* A line chart. opts: {title, x0 (ms), step (ms), series: [{label, values}],
   * fmt (number -> string)}. Nulls are gaps. Returns a <figure>. */
  function lineChart(opts) {
    const W = 480, H = 180, L = 56, R = 8, T = 8, B = 22;
    const fig = document.createElement("figure");
    fig.className = "chart";
    const cap = document.createElement("figcaption");
    cap.textContent = opts.title;
    fig.appendChild(cap);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": opts.title });
    const n = opts.series.length ? opts.series[0].values.length : 0;
    const ymax = maxOf(opts.series);
    const xs = (i) => L + (n > 1 ? (i * (W - L - R)) / (n - 1) : 0);
    const ys = (v) => T + (H - T - B) * (1 - v / ymax);
    for (const f of [0, 0.5, 1]) {
      const y = ys(ymax * f);
      svg.appendChild(el("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#d0d7de", "stroke-width": 1 }));
      svg.appendChild(text(L - 4, y + 4, opts.fmt(ymax * f), { "text-anchor": "end" }));
    }
    const span = n * opts.step;
    /* Events on the time axis (promotes, rollbacks, a cost-regression flag):
     * a dashed line with a tooltip where each happened. */
    for (const m of opts.marks || []) {
      const i = (m.t - opts.x0) / opts.step;
      if (!(i >= 0 && i < n)) continue;
      const x = xs(Math.min(i, n - 1)); /* inside the last, partly elapsed bucket */
      const line = el("line", { x1: x, x2: x, y1: T, y2: H - B, stroke: m.color || "#9a6700", "stroke-dasharray": "3 3",
                                "data-mark": m.kind || "" });
      const tt = el("title");
      tt.textContent = m.label;
      line.appendChild(tt);
      svg.appendChild(line);
    }
    svg.appendChild(text(L, H - 6, timeLabel(opts.x0, span)));
    svg.appendChild(text(W - R, H - 6, timeLabel(opts.x0 + (n - 1) * opts.step, span), { "text-anchor": "end" }));
    opts.series.forEach((s, k) => {
      const color = s.color || PALETTE[k % PALETTE.length];
      let pts = [];
      const flush = () => {
        if (pts.length === 1) svg.appendChild(el("circle", { cx: pts[0][0], cy: pts[0][1], r: 2, fill: color }));
        else if (pts.length > 1)
          svg.appendChild(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none",
                                           stroke: color, "stroke-width": 1.5 }));
        pts = [];
      };
      s.values.forEach((v, i) => {
        if (v == null) flush();
        else pts.push([xs(i).toFixed(1), ys(v).toFixed(1)]);
      });
      flush();
      s.color = color;
    });
    fig.appendChild(svg);
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const s of opts.series) {
      const span = document.createElement("span");
      span.style.setProperty("--c", s.color);
      span.textContent = s.label;
      legend.appendChild(span);
    }
    fig.appendChild(legend);
    return fig;
  }

  /* A sparkline of values (nulls as 0). */
  function sparkline(values, label) {
    const W = 120, H = 28;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", role: "img", "aria-label": label });
    const m = Math.max(1, ...values.map((v) => v || 0));
    const n = values.length;
    const pts = values.map((v, i) => [(n > 1 ? (i * W) / (n - 1) : 0).toFixed(1), (H - 2 - ((v || 0) * (H - 4)) / m).toFixed(1)]);
    svg.appendChild(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none", stroke: PALETTE[0], "stroke-width": 1.5 }));
    return svg;
  }

  /* Bars with labels: items [{label, value, over}], a limit line (or null). */
  function barChart(title, items, fmt, limit) {
    const W = 480, H = 160, L = 56, T = 8, B = 22;
    const fig = document.createElement("figure");
    fig.className = "chart";
    const cap = document.createElement("figcaption");
    cap.textContent = title;
    fig.appendChild(cap);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    const ymax = Math.max(limit || 0, ...items.map((i) => i.value), 1e-12);
    const bw = items.length ? (W - L - 8) / items.length : 0;
    const ys = (v) => T + (H - T - B) * (1 - v / ymax);
    svg.appendChild(text(L - 4, ys(ymax) + 4, fmt(ymax), { "text-anchor": "end" }));
    svg.appendChild(text(L - 4, ys(0) + 4, fmt(0), { "text-anchor": "end" }));
    items.forEach((it, i) => {
      const y = ys(it.value);
      const r = el("rect", { x: L + i * bw + 1, y, width: Math.max(1, bw - 2), height: ys(0) - y, fill: it.over ? "#b3261e" : "#0b57d0" });
      const t = el("title");
      t.textContent = it.label + ": " + fmt(it.value);
      r.appendChild(t);
      svg.appendChild(r);
      if (items.length <= 14 || i % Math.ceil(items.length / 7) === 0)
        svg.appendChild(text(L + i * bw + bw / 2, H - 6, it.label.slice(5), { "text-anchor": "middle" }));
    });
    if (limit) {
      const y = ys(limit);
      svg.appendChild(el("line", { x1: L, x2: W - 8, y1: y, y2: y, stroke: "#9a6700", "stroke-dasharray": "4 3" }));
      svg.appendChild(text(W - 8, y - 3, "budget " + fmt(limit), { "text-anchor": "end" }));
    }
    fig.appendChild(svg);
    return fig;
  }

  window.KilnCharts = { lineChart, sparkline, barChart, PALETTE };
})();
