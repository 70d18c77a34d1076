/* The data-quality page: symbol navigator, charts built when a symbol is opened (plotly.js),
   OHLC per screen pixel on every zoom, filterable tables. Reads the JSON blocks the page embeds. */
(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const { el, Table } = window.rbt;
  const META = JSON.parse($("#rbt-meta").textContent);
  const DS = META.dataset, S = META.symbols, M = META.markers, G = META.gaps;
  const N = S.name.length;
  const ACTIONS = new Set(["split", "dividend"]);
  const STYLES = {
    outlier: { color: "#d62728", symbol: "circle-open", size: 11, line: 2.5 },
    "volume spike": { color: "#ff7f0e", symbol: "circle-open", size: 11, line: 2.5 },
    "suspected split": { color: "#9467bd", symbol: "diamond", size: 12, line: 1 },
    "split not in prices": { color: "#9467bd", symbol: "diamond-open", size: 12, line: 2 },
    split: { color: "#111111", symbol: "triangle-down", size: 13, line: 1 },
    dividend: { color: "#2ca02c", symbol: "triangle-up", size: 12, line: 1 },
    gap: { color: "#7f7f7f", symbol: "x-thin-open", size: 12, line: 2.5 },
    rejected: { color: "#b00020", symbol: "x", size: 11, line: 1 },
    error: { color: "#e377c2", symbol: "square", size: 10, line: 1 },
    flag: { color: "#bcbd22", symbol: "star", size: 12, line: 1 },
  };
  const styleOf = (kind) => STYLES[kind] || STYLES.flag;

  // ---------- formatting ----------
  const pad = (n) => String(n).padStart(2, "0");
  const day = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  function fmtTime(ms) {
    if (ms === null || ms === undefined) return "—";
    const d = new Date(ms);
    if (!DS.intraday) return day(d);
    const secs = d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : "";
    return `${day(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${secs} UTC`;
  }
  const fmtNum = (x) => (x === null || x === undefined ? "—" : typeof x === "number" ? x.toLocaleString("en-US", { maximumFractionDigits: 8 }) : String(x));
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  // ---------- markers per symbol ----------
  const kindOf = (i) => M.kinds[M.k[i]];
  const bySymbol = Array.from({ length: N }, () => []);
  M.s.forEach((s, i) => bySymbol[s].push(i));

  const range = (n) => Array.from({ length: n }, (_, i) => i);
  const markerColumns = (withSymbol) => [
    ...(withSymbol ? [{ label: "symbol", get: (i) => S.name[M.s[i]] }] : []),
    { label: "time", get: (i) => M.t[i], fmt: fmtTime },
    { label: "kind", get: (i) => kindOf(i) },
    { label: "rule", get: (i) => M.rules[M.r[i]] },
    { label: "severity", get: (i) => M.sev[i] },
    { label: "values", get: (i) => M.v[i] },
    { label: "message", get: (i) => M.messages[M.m[i]] },
    { label: "where", get: (i) => M.loc[i] ?? "" },
  ];
  const goToMarker = (i) => openSymbol(M.s[i], M.t[i]);

  // ---------- navigator ----------
  const list = $("#symbol-list"), search = $("#symbol-search"), items = [];
  for (let i = 0; i < N; i++) {
    const badges = el("span", { class: "badges" });
    if (S.flags[i]) badges.append(el("span", { class: "badge flag", title: "flags", text: S.flags[i] }));
    if (S.missing[i]) badges.append(el("span", { class: "badge gap", title: "missing bars", text: S.missing[i] }));
    if (S.rejected[i]) badges.append(el("span", { class: "badge rejected", title: "rejected rows", text: S.rejected[i] }));
    const link = el("a", { href: `#symbol=${encodeURIComponent(S.name[i])}`, "data-index": i }, el("span", { class: "name", text: S.name[i] }), badges);
    const li = el("li", {}, link);
    items.push(li); list.append(li);
  }
  function filterNavigator() {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    items.forEach((li, i) => { const hit = !q || S.name[i].toLowerCase().includes(q); li.hidden = !hit; shown += hit; });
    $("#symbol-count").textContent = `${shown} of ${N} symbols`;
  }
  search.addEventListener("input", filterNavigator);
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const first = items.findIndex((li) => !li.hidden);
    if (first >= 0) location.hash = `symbol=${encodeURIComponent(S.name[first])}`;
  });
  filterNavigator();

  // ---------- overview ----------
  const count = (n) => Number(n).toLocaleString("en-US");
  new Table($("#symbols-table"), {
    name: "symbols", rows: range(N), onRow: (i) => openSymbol(i),
    columns: [
      { label: "symbol", get: (i) => S.name[i] },
      { label: "bars", get: (i) => S.bars[i], fmt: count, num: true },
      { label: "first", get: (i) => S.first[i], fmt: fmtTime },
      { label: "last", get: (i) => S.last[i], fmt: fmtTime },
      { label: "missing bars", get: (i) => S.missing[i], fmt: count, num: true },
      { label: "flags", get: (i) => S.flags[i], fmt: count, num: true },
      { label: "outliers", get: (i) => S.outliers[i], fmt: count, num: true },
      { label: "rejected rows", get: (i) => S.rejected[i], fmt: count, num: true },
      { label: "corporate actions", get: (i) => S.actions[i], fmt: count, num: true },
    ],
  });
  const all = range(M.s.length);
  const group = (test) => all.filter((i) => test(kindOf(i)));
  new Table($("#flags-table"), { name: "flags", rows: group((k) => k !== "rejected" && k !== "gap" && !ACTIONS.has(k)), columns: markerColumns(true), onRow: goToMarker });
  new Table($("#rejections-table"), { name: "rejections", rows: group((k) => k === "rejected"), columns: markerColumns(true), onRow: goToMarker });
  new Table($("#actions-table"), { name: "actions", rows: group((k) => ACTIONS.has(k)), columns: markerColumns(true), onRow: goToMarker });
  new Table($("#gaps-table"), {
    name: "gaps", rows: range(G.s.length), onRow: (j) => openSymbol(G.s[j], G.a[j]),
    columns: [
      { label: "symbol", get: (j) => S.name[G.s[j]] },
      { label: "from", get: (j) => G.a[j], fmt: fmtTime },
      { label: "to", get: (j) => G.b[j], fmt: fmtTime },
      { label: "bars missing", get: (j) => G.n[j], fmt: count, num: true },
    ],
  });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll("#tabs button").forEach((x) => x.setAttribute("aria-selected", String(x === b)));
    document.querySelectorAll(".tab").forEach((t) => { t.hidden = t.id !== b.dataset.tab; });
  }));

  // ---------- one symbol's bars ----------
  const cache = new Map();
  function bars(i) {
    if (cache.has(i)) return cache.get(i);
    const raw = JSON.parse($(`#rbt-sym-${i}`).textContent);
    const n = raw.dt.length, t = new Float64Array(n);
    let at = raw.t0;
    for (let j = 0; j < n; j++) { at += raw.dt[j] * raw.u; t[j] = at; }
    const data = { t, o: raw.o, h: raw.h, l: raw.l, c: raw.c, v: raw.v, bucketMs: raw.bucketMs, cal: raw.cal, bars: raw.bars };
    if (cache.size > 24) cache.delete(cache.keys().next().value);
    cache.set(i, data);
    return data;
  }
  const lowerBound = (t, x) => { let a = 0, b = t.length; while (a < b) { const m = (a + b) >> 1; if (t[m] < x) a = m + 1; else b = m; } return a; };

  /* OHLC per screen pixel: bars in [from, to] (plus one window either side, for panning) grouped
     into buckets of the width one pixel covers, aligned to the epoch so panning keeps them. */
  function bucketed(d, from, to, px) {
    const span = Math.max(to - from, DS.stepMs);
    const a = lowerBound(d.t, from - span), b = lowerBound(d.t, to + span + 1);
    const visible = lowerBound(d.t, to + 1) - lowerBound(d.t, from);
    const width = Math.max(d.bucketMs, Math.ceil(span / px / d.bucketMs) * d.bucketMs);
    const out = { x: [], o: [], h: [], l: [], c: [], v: [], width: visible <= px ? d.bucketMs : width };
    if (visible <= px) {
      for (let j = a; j < b; j++) { out.x.push(d.t[j]); out.o.push(d.o[j]); out.h.push(d.h[j]); out.l.push(d.l[j]); out.c.push(d.c[j]); out.v.push(d.v[j]); }
      return out;
    }
    let key = null;
    for (let j = a; j < b; j++) {
      const k = Math.floor(d.t[j] / width);
      if (k !== key) { key = k; out.x.push(d.t[j]); out.o.push(d.o[j]); out.h.push(d.h[j]); out.l.push(d.l[j]); out.c.push(d.c[j]); out.v.push(d.v[j]); continue; }
      const z = out.x.length - 1;
      if (d.h[j] > out.h[z]) out.h[z] = d.h[j];
      if (d.l[j] < out.l[z]) out.l[z] = d.l[j];
      out.c[z] = d.c[j]; out.v[z] += d.v[j];
    }
    return out;
  }
  window.rbtBucket = bucketed; // for tests
  window.rbtBars = (name) => { const d = bars(S.name.indexOf(name)); return { t: Array.from(d.t), o: d.o, h: d.h, l: d.l, c: d.c, v: d.v, cal: d.cal }; };

  // Markers of one symbol in [from, to] (plus a window either side), one per bucket and kind.
  function markerTraces(i, d, from, to, width) {
    const span = Math.max(to - from, DS.stepMs), groups = new Map();
    for (const m of bySymbol[i]) {
      const t = M.t[m];
      if (t === null || t < from - span || t > to + span) continue;
      const kind = kindOf(m), key = `${kind}|${width > DS.stepMs ? Math.floor(t / width) : t}`;
      if (!groups.has(key)) groups.set(key, { kind, t, volume: M.p[m] === 1, items: [] });
      groups.get(key).items.push(m);
    }
    const byKind = new Map();
    for (const g of groups.values()) {
      if (!byKind.has(g.kind)) byKind.set(g.kind, { x: [], y: [], text: [], volume: g.volume });
      const tr = byKind.get(g.kind), j = Math.max(0, lowerBound(d.t, g.t + 1) - 1);
      const y = g.volume ? d.v[j] : g.kind === "split" ? d.h[j] : g.kind === "dividend" ? d.l[j] : d.c[j];
      const lines = g.items.slice(0, 6).map((m) => `<b>${esc(M.rules[M.r[m]])}</b> ${esc(fmtTime(M.t[m]))}<br>${esc(M.messages[M.m[m]])}${M.v[m] ? "<br>" + esc(M.v[m]) : ""}`);
      if (g.items.length > 6) lines.push(`… and ${g.items.length - 6} more here: zoom in`);
      tr.x.push(g.t); tr.y.push(y); tr.text.push(lines.join("<br>"));
    }
    return [...byKind.entries()].map(([kind, tr]) => {
      const st = styleOf(kind);
      return {
        type: "scatter", mode: "markers", name: kind, x: tr.x, y: tr.y, yaxis: tr.volume ? "y2" : "y", customdata: tr.text,
        hovertemplate: "%{customdata}<extra>" + esc(kind) + "</extra>", hoverlabel: { align: "left" },
        marker: { color: st.color, symbol: st.symbol, size: st.size, line: { width: st.line, color: st.color } },
      };
    });
  }

  const SELECTORS = DS.intraday
    ? [{ count: 1, label: "1h", step: "hour", stepmode: "backward" }, { count: 6, label: "6h", step: "hour", stepmode: "backward" },
       { count: 1, label: "1d", step: "day", stepmode: "backward" }, { count: 7, label: "1w", step: "day", stepmode: "backward" }, { step: "all", label: "all" }]
    : [{ count: 1, label: "1m", step: "month", stepmode: "backward" }, { count: 6, label: "6m", step: "month", stepmode: "backward" },
       { count: 1, label: "YTD", step: "year", stepmode: "todate" }, { count: 1, label: "1y", step: "year", stepmode: "backward" }, { step: "all", label: "all" }];

  let current = null;
  function drawPrice(i, d, focus) {
    const gd = $("#price-chart");
    const full = [d.t[0], d.t[d.t.length - 1] + d.bucketMs];
    let from = full[0], to = full[1];
    if (focus !== undefined && focus !== null) { from = focus - 40 * DS.stepMs; to = focus + 40 * DS.stepMs; }
    const render = (a, b) => {
      const px = Math.max(200, Math.round(gd.clientWidth - 90));
      const view = bucketed(d, a, b, px);
      const lo = lowerBound(view.x, a - view.width), hi = lowerBound(view.x, b + 1);
      let ymin = Infinity, ymax = -Infinity, vmax = 0;
      for (let j = lo; j < hi; j++) { ymin = Math.min(ymin, view.l[j]); ymax = Math.max(ymax, view.h[j]); vmax = Math.max(vmax, view.v[j]); }
      const padY = (ymax - ymin) * 0.06 || Math.abs(ymax) * 0.01 || 1;
      const traces = [
        { type: "candlestick", name: view.width > DS.stepMs ? `OHLC per ${fmtSpan(view.width)}` : "OHLC", x: view.x, open: view.o, high: view.h, low: view.l, close: view.c,
          increasing: { line: { color: "#26a69a" } }, decreasing: { line: { color: "#ef5350" } }, yaxis: "y" },
        { type: "bar", name: "volume", x: view.x, y: view.v, yaxis: "y2", marker: { color: "#9fb0c3" }, hovertemplate: "volume %{y:,.8~g}<extra></extra>" },
        // markers grouped per ~8 pixels (their size), so a dense run of flags stays readable
        ...markerTraces(i, d, a, b, view.width > DS.stepMs || view.x.length > px / 8 ? Math.max(view.width, Math.ceil((b - a) / (px / 8) / view.width) * view.width) : view.width),
      ];
      const layout = {
        height: 560, margin: { l: 80, r: 20, t: 56, b: 40 }, dragmode: "zoom", hovermode: "closest", uirevision: S.name[i],
        legend: { orientation: "h", x: 0.32, xanchor: "left", y: 1.02, yanchor: "bottom" }, bargap: 0,
        xaxis: { type: "date", range: [a, b], rangeslider: { visible: false }, rangeselector: { buttons: SELECTORS, x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
                 anchor: "y2", hoverformat: DS.intraday ? "%Y-%m-%d %H:%M UTC" : "%Y-%m-%d", showspikes: true, spikemode: "across", spikethickness: 1 },
        yaxis: { domain: [0.3, 1], title: { text: "price" }, range: ymin < ymax + 1 ? [ymin - padY, ymax + padY] : undefined, tickformat: ",.8~g" },
        yaxis2: { domain: [0, 0.22], title: { text: "volume" }, range: [0, (vmax || 1) * 1.1], tickformat: "~s" },
      };
      current = { i, a, b, width: view.width };
      gd.dataset.from = String(a); gd.dataset.to = String(b); gd.dataset.bucket = String(view.width); gd.dataset.points = String(view.x.length);
      return Plotly.react(gd, traces, layout, { responsive: true, displaylogo: false, scrollZoom: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] });
    };
    const ready = render(from, to);
    if (!gd.dataset.bound) {
      gd.dataset.bound = "1";
      gd.on("plotly_relayout", (ev) => {
        if (!current || !Object.keys(ev).some((k) => k.startsWith("xaxis"))) return;
        const ax = gd._fullLayout.xaxis, d2 = bars(current.i);
        const auto = ev["xaxis.autorange"] === true;
        const a = auto ? d2.t[0] : ax.r2l(ax.range[0]), b = auto ? d2.t[d2.t.length - 1] + d2.bucketMs : ax.r2l(ax.range[1]);
        window.setTimeout(() => gd._rbtRender(a, b), 0);
      });
    }
    gd._rbtRender = render;
    return ready;
  }
  function fmtSpan(ms) {
    for (const [unit, n] of [["d", 86400000], ["h", 3600000], ["min", 60000], ["s", 1000]]) if (ms % n === 0) return `${ms / n} ${unit}`;
    return `${ms} ms`;
  }

  // Gap calendar: one cell per day (weeks across, weekdays down), coloured by the share missing.
  const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  function drawCalendar(i, d) {
    const gd = $("#calendar-chart"), cal = { d: [], e: d.cal.e, m: d.cal.m };
    let dayNumber = d.cal.d0;
    for (const step of d.cal.dd) { dayNumber += step; cal.d.push(dayNumber * 86400000); }
    const weeks = [], z = WEEKDAYS.map(() => []), text = WEEKDAYS.map(() => []), index = new Map();
    cal.d.forEach((ms, j) => {
      const date = new Date(ms), wd = (date.getUTCDay() + 6) % 7, monday = ms - wd * 86400000;
      if (!index.has(monday)) { index.set(monday, weeks.length); weeks.push(monday); WEEKDAYS.forEach((_, r) => { z[r].push(null); text[r].push(""); }); }
      const col = index.get(monday);
      z[wd][col] = cal.e[j] ? cal.m[j] / cal.e[j] : null;
      text[wd][col] = `${day(date)} (${WEEKDAYS[wd]}): ${cal.m[j].toLocaleString("en-US")} of ${cal.e[j].toLocaleString("en-US")} expected bars missing`;
    });
    const trace = { type: "heatmap", x: weeks, y: WEEKDAYS, z, customdata: text, hovertemplate: "%{customdata}<extra></extra>", xgap: 2, ygap: 2, zmin: 0, zmax: 1,
      colorscale: [[0, "#dfe7ee"], [0.000001, "#fcbba1"], [1, "#a50f15"]], colorbar: { title: { text: "missing" }, tickformat: ".0%", len: 0.9 } };
    const week = 7 * 86400000, n = weeks.length;
    const dtick = n <= 12 ? week : n <= 60 ? "M1" : n <= 200 ? "M3" : "M12";
    const xrange = n ? [weeks[0] - week / 2, weeks[n - 1] + week / 2] : undefined;
    const layout = { height: 230, margin: { l: 50, r: 20, t: 10, b: 40 }, xaxis: { type: "date", title: { text: "week of" }, range: xrange, dtick, tick0: weeks[0], tickformat: n <= 60 ? "%Y-%m-%d" : "%b %Y" }, yaxis: { autorange: "reversed" } };
    return Plotly.react(gd, [trace], layout, { responsive: true, displaylogo: false });
  }

  let symbolTables = null;
  function openSymbol(i, focus) {
    if (i < 0 || i >= N) return;
    const wanted = `symbol=${encodeURIComponent(S.name[i])}`;
    if (location.hash.slice(1) !== wanted) { pendingFocus = focus; location.hash = wanted; return; }
    items.forEach((li, j) => li.classList.toggle("active", j === i));
    const view = $("#symbol-view");
    view.hidden = false;
    $("#symbol-title").textContent = S.name[i];
    $("#symbol-stats").textContent = `${count(S.bars[i])} bars · ${fmtTime(S.first[i])} → ${fmtTime(S.last[i])} · ${count(S.missing[i])} missing · ${count(S.flags[i])} flags · ${count(S.rejected[i])} rejected rows · ${count(S.actions[i])} corporate actions`;
    const d = bars(i);
    view.dataset.symbol = S.name[i];
    if (!d.t.length) {
      for (const id of ["#price-chart", "#calendar-chart"]) { const gd = $(id); if (window.Plotly) Plotly.purge(gd); gd.replaceChildren(el("p", { text: "No bars stored." })); delete gd.dataset.bound; }
      current = null;
      view.dataset.ready = S.name[i];
      return;
    }
    const done = Promise.all([drawPrice(i, d, focus), drawCalendar(i, d)]);
    const gapRows = range(G.s.length).filter((j) => G.s[j] === i);
    symbolTables = {
      markers: new Table($("#symbol-markers"), { name: "symbol-markers", rows: bySymbol[i], columns: markerColumns(false), onRow: (m) => gotoTime(M.t[m]) }),
      gaps: new Table($("#symbol-gaps"), { name: "symbol-gaps", rows: gapRows, onRow: (j) => gotoTime(G.a[j]), columns: [
        { label: "from", get: (j) => G.a[j], fmt: fmtTime }, { label: "to", get: (j) => G.b[j], fmt: fmtTime }, { label: "bars missing", get: (j) => G.n[j], fmt: count, num: true }] }),
    };
    done.then(() => { view.dataset.ready = S.name[i]; document.body.dataset.ready = "symbol"; });
    view.scrollIntoView({ block: "start" });
  }
  function gotoTime(t) {
    if (t === null || !current) return;
    $("#price-chart")._rbtRender(t - 40 * DS.stepMs, t + 40 * DS.stepMs);
  }
  let pendingFocus;
  function route() {
    const m = /^#symbol=(.*)$/.exec(location.hash);
    if (!m) return;
    const i = S.name.indexOf(decodeURIComponent(m[1]));
    const focus = pendingFocus; pendingFocus = undefined;
    if (i >= 0) { $("#symbol-view").dataset.ready = ""; openSymbol(i, focus); }
  }
  window.addEventListener("hashchange", route);
  window.rbtOpen = (name) => { location.hash = `symbol=${encodeURIComponent(name)}`; };
  route();
  document.body.dataset.ready = document.body.dataset.ready || "page";
})();
