/* Pieces of the data-quality pages: an element builder and a filterable, sortable, paged table. */
(() => {
  "use strict";
  function el(tag, attrs = {}, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const kid of kids) node.append(kid);
    return node;
  }

  // ---------- a filterable, sortable, paged table (every row reachable) ----------
  class Table {
    constructor(host, { columns, rows, pageSize = 100, onRow = null, name }) {
      this.columns = columns; this.all = rows; this.pageSize = pageSize; this.onRow = onRow;
      this.filters = columns.map(() => ""); this.sortBy = -1; this.asc = true; this.page = 0;
      this.table = el("table", { class: "grid", "data-table": name });
      const head = el("tr"), filt = el("tr", { class: "filters" });
      columns.forEach((c, j) => {
        head.append(el("th", { text: c.label, title: "sort", onclick: () => this.sort(j) }));
        const input = el("input", { type: "search", placeholder: c.num ? "e.g. >0" : "filter", "aria-label": `filter ${c.label}`, "data-column": c.label });
        input.addEventListener("input", () => { this.filters[j] = input.value.trim().toLowerCase(); this.page = 0; this.refresh(); });
        filt.append(el("th", {}, input));
      });
      this.body = el("tbody");
      this.table.append(el("thead", {}, head, filt), this.body);
      this.status = el("span", { class: "pager-status" });
      this.prev = el("button", { type: "button", text: "‹ previous", onclick: () => { this.page -= 1; this.draw(); } });
      this.next = el("button", { type: "button", text: "next ›", onclick: () => { this.page += 1; this.draw(); } });
      host.replaceChildren(el("div", { class: "table-wrap" }, this.table), el("div", { class: "pager" }, this.prev, this.status, this.next));
      this.refresh();
    }
    setFilter(label, value) {
      const j = this.columns.findIndex((c) => c.label === label);
      const input = this.table.querySelector(`input[data-column="${label}"]`);
      input.value = value; this.filters[j] = value.toLowerCase(); this.page = 0; this.refresh();
    }
    matches(row) {
      return this.filters.every((f, j) => {
        if (!f) return true;
        const c = this.columns[j], v = c.get(row);
        const m = c.num && /^([<>]=?|=)\s*(-?[\d.]+)$/.exec(f);
        if (m) {
          const x = Number(m[2]);
          return { ">": v > x, ">=": v >= x, "<": v < x, "<=": v <= x, "=": v === x }[m[1]];
        }
        return String(c.fmt ? c.fmt(v) : v ?? "").toLowerCase().includes(f);
      });
    }
    refresh() {
      this.rows = this.all.filter((r) => this.matches(r));
      if (this.sortBy >= 0) {
        const c = this.columns[this.sortBy], k = this.asc ? 1 : -1;
        this.rows.sort((a, b) => { const x = c.get(a), y = c.get(b); return (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1) * k; });
      }
      this.draw();
    }
    sort(j) { this.asc = this.sortBy === j ? !this.asc : true; this.sortBy = j; this.refresh(); }
    draw() {
      const pages = Math.max(1, Math.ceil(this.rows.length / this.pageSize));
      this.page = Math.min(Math.max(this.page, 0), pages - 1);
      const first = this.page * this.pageSize, shown = this.rows.slice(first, first + this.pageSize);
      this.body.replaceChildren(...shown.map((r) => {
        const tr = el("tr", this.onRow ? { class: "link", onclick: () => this.onRow(r) } : {});
        for (const c of this.columns) {
          const v = c.get(r);
          tr.append(el("td", { class: c.num ? "num" : "", text: c.fmt ? c.fmt(v) : v ?? "—" }));
        }
        return tr;
      }));
      const filtered = this.rows.length === this.all.length ? "" : ` (filtered from ${this.all.length.toLocaleString("en-US")})`;
      this.status.textContent = this.rows.length
        ? `rows ${(first + 1).toLocaleString("en-US")}–${(first + shown.length).toLocaleString("en-US")} of ${this.rows.length.toLocaleString("en-US")}${filtered}`
        : `no rows${filtered}`;
      this.prev.disabled = this.page === 0; this.next.disabled = this.page >= pages - 1;
    }
  }

  window.rbt = { el, Table };
})();
