/* app.js — kiln's web UI (docs/ui.md). A single page over the admin API:
 * every figure comes from the endpoints `kiln cost --json`, `kiln dora
 * --json`, `kiln history --json` and friends read; charts from
 * /api/v1/.../series (the same per-minute usage, bucketed by the server).
 *
 * Everything a user or a guest wrote (module names, reasons, actors,
 * backtraces, stderr) is put on the page as text nodes, never as markup:
 * h() below is the only way this file builds DOM, and it has no innerHTML.
 * The token lives in sessionStorage (this tab only) and goes out in the
 * Authorization header the CLI sends; a 401 anywhere returns to the login. */
"use strict";
(function () {
  const C = window.KilnCharts;
  const POLL_MS = 5000;
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem("kiln.token"), actor: sessionStorage.getItem("kiln.actor") || "",
                  role: null, timer: null, rendering: false };

  /* ------------------------------------------------------------ DOM */
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c == null || c === false) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /* ------------------------------------------------------------ figures */
  /* Formatters are made once: toLocaleString builds a new one per call,
   * which is most of the time of a page with hundreds of figures. */
  const NF = {};
  const nf = (v, d) => {
    if (v == null || Number.isNaN(v)) return "–";
    const f = NF[d] || (NF[d] = new Intl.NumberFormat("en-US", { maximumFractionDigits: d, minimumFractionDigits: 0 }));
    return f.format(Number(v));
  };
  const DTF = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });
  function fmtUs(us) {
    if (us == null || Number.isNaN(us)) return "–";
    if (us < 1000) return us.toFixed(0) + " µs";
    if (us < 1e6) return (us / 1e3).toFixed(2) + " ms";
    return (us / 1e6).toFixed(2) + " s";
  }
  function fmtMs(ms) { return ms == null ? "–" : fmtUs(ms * 1000); }
  function fmtDur(ms) {
    if (ms == null) return "–";
    const s = ms / 1000;
    if (s < 120) return s.toFixed(1) + " s";
    if (s < 7200) return (s / 60).toFixed(1) + " min";
    if (s < 172800) return (s / 3600).toFixed(1) + " h";
    return (s / 86400).toFixed(1) + " d";
  }
  const countFmt = (v) => nf(v, v < 10 ? 1 : 0); /* axis labels: 0.5 is not 1 */
  const fmtPct = (f) => (f == null ? "–" : (f * 100).toFixed(2) + "%");
  let currency = "USD";
  function fmtMoney(v) {
    if (v == null) return "–";
    const sym = currency === "USD" ? "$" : "";
    const s = v === 0 ? "0" : Math.abs(v) < 0.01 ? Number(v.toPrecision(3)).toString() : v.toFixed(4);
    return sym ? sym + s : s + " " + currency;
  }
  /* A figure: its text, and its exact value in data-v (what the tests compare
   * with the CLI's --json), named by data-figure. */
  function fig(name, v, fmt, extra) {
    return h("td", Object.assign({ class: "num", "data-figure": name, "data-v": v == null ? "" : String(v) }, extra || {}), fmt(v));
  }
  function when(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : DTF.format(d);
  }

  /* ------------------------------------------------------------ API */
  class AuthError extends Error {}
  async function api(path, opts) {
    opts = opts || {};
    const headers = { Authorization: "Bearer " + state.token };
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.method && opts.method !== "GET") headers["X-Kiln-Actor"] = state.actor ? state.actor + " (web ui)" : "web ui";
    const r = await fetch("/api/v1/" + path, { method: opts.method || "GET", headers, cache: "no-store",
                                                 body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await r.text();
    let j = null;
    try { j = JSON.parse(text); } catch (e) { j = null; }
    if (state.sig) state.sig.push(path, r.status, text, r.headers.get("X-Total-Count"));
    if (r.status === 401) throw new AuthError((j && j.error) || "wrong token");
    if (!r.ok) { const err = new Error((j && j.error) || "HTTP " + r.status); err.status = r.status; throw err; }
    if (opts.withTotal) return { json: j, total: Number(r.headers.get("X-Total-Count")) };
    return j;
  }
  const enc = encodeURIComponent;

  /* ------------------------------------------------------------ login */
  function showLogin(msg) {
    stopPolling();
    state.token = null;
    sessionStorage.removeItem("kiln.token");
    $("main").replaceChildren();
    $("main").dataset.page = "";
    $("main").hidden = true;
    $("nav").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    $("login").hidden = false;
    $("login-error").textContent = msg || "";
    $("token").value = "";
    $("token").focus();
  }
  async function login(token, actor) {
    state.token = token;
    try {
      const who = await api("whoami");
      state.role = who.role;
    } catch (e) {
      showLogin(e instanceof AuthError ? "That token is not accepted by this server." : "Cannot reach the server: " + e.message);
      return false;
    }
    sessionStorage.setItem("kiln.token", token);
    state.actor = actor || "";
    sessionStorage.setItem("kiln.actor", state.actor);
    $("login").hidden = true;
    $("main").hidden = false;
    $("nav").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = (state.role === "admin" ? "admin" : "read-only") + (state.actor ? " · " + state.actor : "");
    document.body.dataset.role = state.role;
    return true;
  }
  const canAct = () => state.role === "admin";

  /* ------------------------------------------------------------ routing */
  function route() {
    const hash = location.hash.replace(/^#\/?/, "") || "modules";
    const [pathPart, query] = hash.split("?");
    const parts = pathPart.split("/").map(decodeURIComponent);
    const params = new URLSearchParams(query || "");
    return { page: parts[0], arg: parts[1] || "", params };
  }
  function go(page, arg, params) {
    let s = "#/" + page + (arg ? "/" + enc(arg) : "");
    const q = new URLSearchParams(params || {}).toString();
    if (q) s += "?" + q;
    location.hash = s;
  }
  const pages = {};
  async function render(fromPoll) {
    if (!state.token) return;
    /* One render at a time; a navigation during one is rendered after it. */
    if (state.rendering) { if (!fromPoll) state.again = true; return; }
    if ($("confirm").open) return;
    /* Someone typing in a field of the page (a filter, a rollout's steps):
     * the poll waits, so the text and the caret stay; a field only focused,
     * as after Enter applied it, does not stop the page updating. */
    const ae = document.activeElement;
    if (fromPoll && ae && $("main").contains(ae) && ae.tagName === "INPUT" && ae.value !== ae.defaultValue) return;
    state.rendering = true;
    state.again = false;
    const r = route();
    for (const a of document.querySelectorAll("nav a"))
      if (a.dataset.page === (r.page === "module" ? "modules" : r.page)) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    const fn = pages[r.page] || pages.modules;
    const main = $("main");
    const focusId = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : null;
    try {
      const t0 = performance.now();
      state.sig = [];
      const hash0 = location.hash;
      const content = await fn(r);
      /* The address moved while this page loaded (a click during a poll):
       * what was loaded belongs to the old address; show the new one. */
      if (location.hash !== hash0) { state.sig = null; state.rendering = false; render(false); return; }
      /* A poll whose answers are what the page already shows leaves the
       * page alone: no flicker, no lost scroll, focus or hover. */
      const sig = location.hash + "\u0000" + state.sig.join("\u0000");
      state.sig = null;
      if (fromPoll && sig === state.lastSig) { state.rendering = false; if (state.again) render(false); return; }
      state.lastSig = sig;
      main.replaceChildren(content);
      main.dataset.page = r.page;
      main.dataset.renderMs = String(Math.round(performance.now() - t0));
      if (focusId && $(focusId)) $(focusId).focus();
      else if (!fromPoll) main.focus({ preventScroll: true });
    } catch (e) {
      state.sig = null;
      if (e instanceof AuthError) { state.rendering = false; state.again = false; showLogin("The server refused the token: log in again."); return; }
      main.replaceChildren(h("p", { class: "error", role: "alert" }, "Could not load this page: " + e.message));
    }
    document.title = "kiln · " + (r.arg || r.page);
    state.rendering = false;
    if (state.again) render(false);
  }
  function startPolling() {
    stopPolling();
    state.timer = setInterval(() => { if (!document.hidden) render(true); }, POLL_MS);
  }
  function stopPolling() { if (state.timer) clearInterval(state.timer); state.timer = null; }

  /* ------------------------------------------------------------ pieces */
  function windowPicker(r, choices, dflt, label) {
    const cur = r.params.get("since") || dflt;
    const id = "since-" + r.page;
    return h("div", { class: "toolbar" },
      h("label", { for: id }, label || "Window"),
      h("select", { id, onchange: (ev) => { const p = Object.fromEntries(r.params); p.since = ev.target.value; go(r.page, r.arg, p); } },
        choices.map((c) => h("option", { value: c, selected: c === cur }, c))));
  }
  function versionBadges(v) {
    return (v.aliases || []).map((a) => h("span", { class: "badge" + (a === "live" ? " live" : "") }, a));
  }
  function toast(msg, bad) {
    const d = h("div", { class: bad ? "bad" : "" }, msg);
    $("toast").appendChild(d);
    setTimeout(() => d.remove(), 6000);
  }
  /* Asks, then does: the confirmation dialog names the module, versions and
   * alias; the reason typed goes into the history. */
  function confirmAction(title, text, okLabel, run, opts) {
    const dlg = $("confirm");
    const noReason = !!(opts && opts.noReason); /* a rollout's start writes its own reason */
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    $("confirm-ok").textContent = okLabel;
    $("confirm-reason").value = "";
    $("confirm-reason-row").hidden = noReason;
    dlg.returnValue = "";
    dlg.onclose = async () => {
      if (dlg.returnValue !== "ok") return;
      const reason = $("confirm-reason").value.trim();
      try {
        await run(reason || undefined);
        toast(title + ": done");
      } catch (e) {
        if (e instanceof AuthError) { showLogin("The server refused the token: log in again."); return; }
        toast(title + ": " + e.message, true);
      }
      render(false);
    };
    dlg.showModal();
    (noReason ? $("confirm-ok") : $("confirm-reason")).focus();
  }
  const act = (mod, op, body) => api("modules/" + enc(mod) + "/" + op, { method: "POST", body });
  function actionButton(label, cls, onclick, id) {
    if (!canAct()) return h("button", { type: "button", class: cls, disabled: true, title: "needs the admin token", "data-action": label }, label);
    return h("button", { type: "button", class: cls, onclick, id, "data-action": label }, label);
  }

  /* ------------------------------------------------------------ modules */
  const spanMinutes = (s) => {
    const m = /^(\d+)([smhdw])$/.exec(s);
    if (!m) return 60;
    return Number(m[1]) * { s: 1 / 60, m: 1, h: 60, d: 1440, w: 10080 }[m[2]];
  };
  /* A running rollout as the split it makes: "v1 → v2 · 25% (step 2 of
   * 10,25,50,100)"; data-* carry the exact answer of GET rollouts. */
  function rolloutText(ro) {
    return ro.from + " → " + ro.to + " · " + nf(ro.percent, 2) + "% (step " + ro.step + " of " + ro.steps + ")";
  }
  function rolloutCell(ro) {
    if (!ro) return h("td", { "data-figure": "rollout", "data-v": "" }, "–");
    return h("td", { "data-figure": "rollout", "data-v": ro.to, "data-percent": ro.percent, "data-step": ro.step },
      h("span", { class: "badge rollout" }, "rollout"), " ", rolloutText(ro));
  }
  pages.modules = async (r) => {
    const since = r.params.get("since") || "1h";
    const [mods, cost, series, rollouts] = await Promise.all([
      api("modules"), api("cost?since=" + enc(since)).catch(() => null), api("series?since=1h&step=1m").catch(() => null),
      api("rollouts")]);
    const rolloutOf = {};
    for (const ro of rollouts) rolloutOf[ro.module] = ro;
    if (cost && cost.prices) currency = cost.prices.currency;
    const costOf = {}, sparkOf = {};
    for (const m of (cost && cost.modules) || []) costOf[m.module] = m;
    for (const m of (series && series.modules) || []) sparkOf[m.module] = m.total;
    const minutes = spanMinutes(since);
    const rows = mods.map((m) => {
      const live = m.aliases && m.aliases.live ? m.aliases.live.version : null;
      const mc = costOf[m.name];
      const lv = mc && mc.versions ? mc.versions.find((v) => v.version === live) : null;
      const req = lv ? lv.requests : 0;
      const sp = sparkOf[m.name];
      return h("tr", { "data-module": m.name },
        h("th", { scope: "row" }, h("a", { href: "#/module/" + enc(m.name) }, m.name)),
        h("td", { "data-figure": "live" }, live || "–", m.aliases && m.aliases.live && m.aliases.live.pinned ? h("span", { class: "badge pinned" }, "pinned") : null),
        rolloutCell(rolloutOf[m.name]),
        fig("requests_per_min", req / minutes, (v) => nf(v, 2)),
        fig("error_rate", lv ? lv.error_rate : null, fmtPct),
        fig("p50_us", lv ? lv.latency_us.p50 : null, fmtUs),
        fig("p99_us", lv ? lv.latency_us.p99 : null, fmtUs),
        fig("cost_per_million", lv ? lv.cost_per_million : null, fmtMoney),
        h("td", {}, sp ? C.sparkline(sp.requests, "requests per minute of " + m.name + " over the last hour") : "–"),
        h("td", { class: "num" }, String(m.versions)));
    });
    return h("section", { "aria-labelledby": "h-modules" },
      h("h1", { id: "h-modules" }, "Modules"),
      windowPicker(r, ["15m", "1h", "6h", "24h", "7d"], "1h", "Figures of the live version over"),
      mods.length === 0 ? h("p", { class: "empty" }, "No module deployed yet: kiln deploy app.wasm --name app --promote") :
      h("div", { class: "tablewrap" }, h("table", { id: "modules-table", "data-since": since, "data-window-start": cost ? cost.since : "" },
        h("caption", { class: "hint" }, "The live version's figures over the last " + since + " (GET /api/v1/cost?since=" + since + "); sparkline: requests per minute, last hour."),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Module"), h("th", { scope: "col" }, "Live"),
          h("th", { scope: "col" }, "Rollout"), h("th", { scope: "col", class: "num" }, "Requests/min"), h("th", { scope: "col", class: "num" }, "Error rate"),
          h("th", { scope: "col", class: "num" }, "p50"), h("th", { scope: "col", class: "num" }, "p99"),
          h("th", { scope: "col", class: "num" }, "Cost / 1M req"), h("th", { scope: "col" }, "Last hour"),
          h("th", { scope: "col", class: "num" }, "Versions"))),
        h("tbody", {}, rows))));
  };

  /* ------------------------------------------------------------ one module */
  function historyItem(ev) {
    const auto = ev.action === "rollback" && ev.actor === "kiln";
    const label = auto ? "auto-rollback" : ev.action;
    return h("li", { class: ev.action + (auto ? " auto" : ""), "data-history-id": ev.id },
      h("strong", {}, label), " ",
      ev.alias ? h("span", { class: "badge" }, ev.alias) : null,
      ev.from || ev.to ? (ev.from || "–") + " → " + (ev.to || "–") : "", " · ",
      h("span", { class: "hint" }, when(ev.at) + " by "), h("span", { class: "actor" }, ev.actor || "?"),
      ev.reason ? h("div", { class: "reason" }, ev.reason) : null);
  }
  /* The rollout panel: the latest rollout (GET modules/NAME/rollout, what
   * `kiln rollout status NAME --json` prints), Abort while it runs, and a
   * form to start one (POST modules/NAME/rollout, as `kiln rollout NAME
   * VERSION --steps --interval`). The form's values survive the page's
   * polls (state.roForm). */
  state.roForm = { version: "", steps: "10,25,50,100", interval: "2m" };
  function rolloutPanel(name, live, ro, versions) {
    const running = ro && ro.state === "running";
    const info = ro ? h("p", { id: "rollout", "data-state": ro.state, "data-to": ro.to, "data-from": ro.from,
        "data-percent": ro.percent, "data-step": ro.step, "data-steps": ro.steps },
      h("span", { class: "badge" + (running ? " rollout" : "") }, ro.state), " ",
      running ? rolloutText(ro) : ro.from + " → " + ro.to + " (steps " + ro.steps + ")",
      running && ro.next_step_in_ms != null ? " · next step in " + fmtDur(ro.next_step_in_ms) : "",
      h("span", { class: "hint" }, " · every " + fmtDur(ro.interval_ms) + " · started " + when(ro.started) + " by "),
      h("span", { class: "actor" }, ro.actor || "?"),
      ro.reason ? h("div", { class: "reason" }, ro.reason) : null) : h("p", { id: "rollout", "data-state": "" , class: "empty" }, "No rollout yet.");
    if (running)
      return h("section", { class: "rollout-panel", "aria-labelledby": "h-rollout" }, h("h2", { id: "h-rollout" }, "Rollout"), info,
        h("div", { class: "toolbar" }, actionButton("Abort rollout", "danger", () => confirmAction("Abort the rollout of " + name,
          "Stop sending " + name + "'s traffic to " + ro.to + " (at " + nf(ro.percent, 2) + "%): all of it goes back to live (" + ro.from + ").",
          "Abort rollout", (reason) => act(name, "rollout/abort", { reason })), "rollout-abort")));
    const f = state.roForm;
    const choices = versions.filter((v) => !live || v.version !== live.version);
    if (!choices.some((v) => v.version === f.version)) f.version = choices.length ? choices[0].version : "";
    const start = (ev) => {
      if (ev) ev.preventDefault();
      if (!f.version) { toast("Start a rollout: no version to roll out on this page", true); return; }
      confirmAction("Roll out " + name + " " + f.version,
        "Send " + name + "'s live traffic (now " + (live ? live.version : "nothing") + ") to " + f.version + " in steps of " + f.steps +
        "% every " + f.interval + ", while it stays healthy; past 100% it becomes live.", "Start rollout",
        () => act(name, "rollout", { version: f.version, steps: f.steps, interval: f.interval }), { noReason: true });
    };
    const keep = (k) => (ev) => { f[k] = ev.target.value; };
    return h("section", { class: "rollout-panel", "aria-labelledby": "h-rollout" }, h("h2", { id: "h-rollout" }, "Rollout"), info,
      live ? h("form", { class: "toolbar", id: "rollout-form", onsubmit: start },
        h("label", { for: "rollout-version" }, "Version"),
        h("select", { id: "rollout-version", onchange: keep("version") },
          choices.map((v) => h("option", { value: v.version, selected: v.version === f.version }, v.version))),
        h("label", { for: "rollout-steps" }, "Steps (%)"),
        h("input", { id: "rollout-steps", value: f.steps, size: 14, oninput: keep("steps"), spellcheck: "false" }),
        h("label", { for: "rollout-interval" }, "Time per step"),
        h("input", { id: "rollout-interval", value: f.interval, size: 5, oninput: keep("interval"), spellcheck: "false" }),
        canAct() ? h("button", { type: "submit", class: "primary", id: "rollout-start", "data-action": "Start rollout" }, "Start rollout")
                 : actionButton("Start rollout", "primary", null, "rollout-start"))
        : h("p", { class: "hint" }, "A rollout moves live's traffic: promote a version first."));
  }
  pages.module = async (r) => {
    const name = r.arg;
    const since = r.params.get("since") || "24h";
    const page = Math.max(1, Number(r.params.get("page")) || 1);
    const [mod, vres, hist, cost, series, ro] = await Promise.all([
      api("modules/" + enc(name)),
      api("modules/" + enc(name) + "/versions?order=desc&limit=" + PAGE + "&offset=" + (page - 1) * PAGE, { withTotal: true }),
      api("modules/" + enc(name) + "/history?limit=200"),
      api("modules/" + enc(name) + "/cost?since=" + enc(since)).catch(() => null),
      api("modules/" + enc(name) + "/series?since=" + enc(since) + "&top=5").catch(() => null),
      api("modules/" + enc(name) + "/rollout").catch((e) => { if (e.status === 404) return null; throw e; })]);
    if (cost && cost.prices) currency = cost.prices.currency;
    const mc = cost && cost.modules ? cost.modules[0] : null;
    const costOf = {};
    for (const v of (mc && mc.versions) || []) costOf[v.version] = v;
    const live = mod.aliases && mod.aliases.live ? mod.aliases.live : null;
    const pages_ = Math.max(1, Math.ceil(vres.total / PAGE));
    const top = h("div", { class: "toolbar" },
      live && live.pinned
        ? actionButton("Unpin live", "", () => confirmAction("Unpin " + name, "Release the pin on " + name + "'s live alias (" + live.version + ").", "Unpin",
            (reason) => act(name, "unpin", { alias: "live", reason })), "unpin-live")
        : null,
      actionButton("Roll back live", "danger", () => confirmAction("Roll back " + name,
        "Move " + name + "'s live alias back to the version it had before its last change (it is at " + (live ? live.version : "nothing") + ").",
        "Roll back", (reason) => act(name, "rollback", { alias: "live", reason })), "rollback-live"));
    const vrows = vres.json.map((v) => {
      const c = costOf[v.version];
      const isLive = live && live.version === v.version;
      return h("tr", { "data-version": v.version },
        h("th", { scope: "row" }, v.version),
        h("td", {}, versionBadges(v), isLive && live.pinned ? h("span", { class: "badge pinned" }, "pinned") : null,
          c && (c.regression || c.flagged) ? h("span", { class: "badge regression", title: c.flagged ? c.flagged.reason : "costs more than its baseline by more than the threshold" }, "regression") : null),
        h("td", {}, when(v.created)), h("td", { class: "wrap" }, v.deployed_by || "–"),
        h("td", {}, v.commit ? v.commit.slice(0, 12) : "–"), h("td", { class: "wrap" }, v.message || ""),
        h("td", {}, v.tier || ""),
        fig("requests", c ? c.requests : 0, (x) => nf(x, 0)),
        fig("cost_per_million", c ? c.cost_per_million : null, fmtMoney),
        h("td", {}, isLive ? null : actionButton("Promote", "primary", () => confirmAction("Promote " + name + " " + v.version,
            "Point " + name + "'s live alias at " + v.version + " (it is at " + (live ? live.version : "nothing") + ").", "Promote",
            (reason) => act(name, "promote", { version: v.version, alias: "live", reason })), "promote-" + v.version),
          " ",
          isLive && live.pinned ? null : actionButton("Pin", "", () => confirmAction("Pin " + name + " " + v.version,
            "Point " + name + "'s live alias at " + v.version + " and hold it there: promotes and rollbacks are refused until it is unpinned.", "Pin",
            (reason) => act(name, "pin", { version: v.version, alias: "live", reason })), "pin-" + v.version)));
    });
    const charts = [];
    if (series && series.total) {
      const lines = (key) => {
        const out = (series.versions || []).map((v) => ({ label: v.version, values: v[key] }));
        if (series.other) out.push({ label: "other versions", values: series.other[key], color: "#6e7781" });
        return out;
      };
      /* History on the time axis: where live moved and where kiln flagged a cost regression. */
      const marks = hist.filter((ev) => ["promote", "rollback", "pin", "cost-regression"].includes(ev.action) || (ev.action === "deploy" && ev.alias))
        .map((ev) => ({ t: Date.parse(ev.at), kind: ev.action === "rollback" && ev.actor === "kiln" ? "auto-rollback" : ev.action,
                        color: ev.action === "cost-regression" ? "#9a6700" : ev.action === "rollback" ? "#b3261e" : "#1a7f37",
                        label: (ev.action === "rollback" && ev.actor === "kiln" ? "auto-rollback" : ev.action) + " " + (ev.from || "–") + " → " + (ev.to || "–") + (ev.reason ? ": " + ev.reason : "") }));
      const base = { x0: series.start_ms, step: series.step_s * 1000, marks };
      const per = series.step_s >= 3600 ? (series.step_s / 3600) + " h" : (series.step_s / 60) + " min";
      charts.push(C.lineChart(Object.assign({ title: "Requests per " + per, series: lines("requests"), fmt: countFmt }, base)));
      charts.push(C.lineChart(Object.assign({ title: "Errors (5xx and traps) per " + per, series: lines("errors"), fmt: countFmt }, base)));
      charts.push(C.lineChart(Object.assign({ title: "Latency p50 (solid colours) and p99 of all versions", series:
        lines("p50_us").concat([{ label: "p99, all versions", values: series.total.p99_us, color: "#1b1f24" }]), fmt: fmtUs }, base)));
      charts.push(C.lineChart(Object.assign({ title: "CPU per request", series: lines("cpu_ms"), fmt: fmtMs }, base)));
      charts.push(C.lineChart(Object.assign({ title: "Cost per " + per, series: lines("cost"), fmt: fmtMoney }, base)));
    }
    const flagged = ((mc && mc.versions) || []).filter((v) => v.regression || v.flagged);
    return h("section", { "aria-labelledby": "h-module" },
      h("h1", { id: "h-module" }, "Module ", h("span", { id: "module-name" }, name)),
      h("p", {}, "Aliases: ", Object.keys(mod.aliases || {}).length ? Object.entries(mod.aliases).map(([a, x]) =>
        h("span", { class: "badge" + (a === "live" ? " live" : ""), "data-alias": a, "data-version": x.version }, a + " → " + x.version + (x.pinned ? " (pinned by " + (x.pinned_by || "?") + ")" : ""))) : "none",
        " · " + mod.versions + " versions · " + mod.traps + " traps · ", h("a", { href: "#/traps/" + enc(name) }, "traps"),
        " · ", h("a", { href: "#/cost?module=" + enc(name) }, "cost")),
      top,
      rolloutPanel(name, live, ro, vres.json),
      flagged.length ? h("p", { class: "error", role: "note" }, "Cost regression: " + flagged.map((v) => v.version + (v.flagged ? " (" + v.flagged.reason + ")" : "")).join("; ")) : null,
      windowPicker(r, ["1h", "6h", "24h", "7d"], "24h", "Charts and figures over"),
      h("div", { class: "charts" }, charts.length ? charts : h("p", { class: "empty" }, "No usage in this window.")),
      h("h2", {}, "Versions"),
      h("div", { class: "pager" },
        h("button", { type: "button", id: "page-prev", disabled: page <= 1, onclick: () => go("module", name, Object.assign(Object.fromEntries(r.params), { page: page - 1 })) }, "Newer"),
        h("span", { id: "page-info" }, "page " + page + " of " + pages_ + " (" + vres.total + " versions)"),
        h("button", { type: "button", id: "page-next", disabled: page >= pages_, onclick: () => go("module", name, Object.assign(Object.fromEntries(r.params), { page: page + 1 })) }, "Older")),
      h("div", { class: "tablewrap" }, h("table", { id: "versions-table" },
        h("thead", {}, h("tr", {}, ["Version", "Aliases", "Deployed", "By", "Commit", "Message", "Tier"].map((t) => h("th", { scope: "col" }, t)),
          h("th", { scope: "col", class: "num" }, "Requests (" + since + ")"), h("th", { scope: "col", class: "num" }, "Cost / 1M"), h("th", { scope: "col" }, "Actions"))),
        h("tbody", {}, vrows))),
      h("h2", {}, "History (newest first)"),
      h("ol", { class: "timeline", id: "history" }, hist.slice().reverse().map(historyItem)));
  };

  /* ------------------------------------------------------------ traps */
  /* Grouped by the server (GET modules/NAME/traps/groups, what `kiln traps
   * NAME --group --json` prints; errors/groups with every 5xx), so the page
   * and the CLI count alike. */
  pages.traps = async (r) => {
    const mods = await api("modules");
    const name = r.arg || (mods[0] && mods[0].name) || "";
    const all = r.params.get("errors") === "1";
    const sel = h("div", { class: "toolbar" }, h("label", { for: "traps-module" }, "Module"),
      h("select", { id: "traps-module", onchange: (ev) => go("traps", ev.target.value, all ? { errors: "1" } : {}) },
        mods.map((m) => h("option", { value: m.name, selected: m.name === name }, m.name + " (" + m.traps + ")"))),
      h("label", { for: "traps-which" }, "Show"),
      h("select", { id: "traps-which", onchange: (ev) => go("traps", name, ev.target.value === "errors" ? { errors: "1" } : {}) },
        h("option", { value: "traps", selected: !all }, "traps"), h("option", { value: "errors", selected: all }, "every 5xx (errors)")));
    if (!name) return h("section", {}, h("h1", {}, "Traps"), h("p", { class: "empty" }, "No module."));
    const res = await api("modules/" + enc(name) + (all ? "/errors" : "/traps") + "/groups?limit=500");
    const list = res.groups;
    const pick = Number(r.params.get("g")) || 0;
    const g = list[pick];
    const q = (i) => new URLSearchParams(Object.assign(all ? { errors: "1" } : {}, { g: String(i) })).toString();
    return h("section", { "aria-labelledby": "h-traps" },
      h("h1", { id: "h-traps" }, "Traps and errors"), sel,
      h("p", { class: "hint", id: "traps-summary", "data-reports": res.reports }, "The newest " + res.reports + (all ? " failures" : " trap reports") + " of " + name +
        " grouped by kind and top frame by the server (GET /api/v1/modules/NAME/" + (all ? "errors" : "traps") + "/groups, as kiln " + (all ? "errors" : "traps") + " --group --json)."),
      list.length === 0 ? h("p", { class: "empty" }, all ? "No failures." : "No traps.") :
      h("div", { class: "tablewrap" }, h("table", { id: "traps-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "Top frame"), h("th", { scope: "col", class: "num" }, "Count"),
          h("th", { scope: "col" }, "Versions"), h("th", { scope: "col" }, "Last seen"), h("th", { scope: "col" }, "First seen"), h("th", { scope: "col" }, ""))),
        h("tbody", {}, list.map((x, i) => h("tr", { "data-group": i, "data-kind": x.kind, "data-frame": x.frame },
          h("td", {}, x.kind), h("td", { class: "wrap" }, x.frame), h("td", { class: "num", "data-figure": "trap_count", "data-v": x.count }, String(x.count)),
          h("td", { "data-versions": x.versions.join(",") }, x.versions.join(", ")), h("td", {}, when(x.last_seen)), h("td", {}, when(x.first_seen)),
          h("td", {}, h("a", { href: "#/traps/" + enc(name) + "?" + q(i), "aria-label": "show a sample of group " + (i + 1) + " (" + x.kind + " in " + x.frame + ")" }, "sample"))))))),
      g ? h("section", { "aria-labelledby": "h-sample" },
        h("h2", { id: "h-sample" }, "Sample: " + g.kind + " in " + g.frame),
        h("p", { class: "hint" }, "request " + g.sample.request_id + " · " + g.sample.version + " · " + when(g.sample.at) + " (the newest of the group)"),
        h("pre", { id: "trap-report" }, g.sample.report || g.sample.message || ""),
        g.sample.stderr ? h("div", {}, h("h2", {}, "Its stderr"), h("pre", { id: "trap-stderr" }, g.sample.stderr)) : null) : null);
  };

  /* ------------------------------------------------------------ logs */
  /* What `kiln logs NAME` prints, from the same endpoint (GET
   * modules/NAME/logs with its filters), newest first, re-read on every
   * poll like every other page: a live tail at the polling period. */
  const LOG_LINES = 200;
  pages.logs = async (r) => {
    const mods = await api("modules");
    const name = r.arg || (mods[0] && mods[0].name) || "";
    const p = r.params;
    const fv = p.get("version") || "", fs = p.get("status") || "", fr = p.get("request") || "";
    const apply = (ev) => {
      ev.preventDefault();
      const q = {};
      for (const k of ["version", "status", "request"]) { const v = $("logs-" + k).value.trim(); if (v) q[k] = v; }
      go("logs", $("logs-module").value, q);
    };
    const form = h("form", { class: "toolbar", id: "logs-form", onsubmit: apply },
      h("label", { for: "logs-module" }, "Module"),
      h("select", { id: "logs-module", onchange: apply }, mods.map((m) => h("option", { value: m.name, selected: m.name === name }, m.name))),
      h("label", { for: "logs-version" }, "Version"),
      h("input", { id: "logs-version", value: fv, size: 6, placeholder: "v2", spellcheck: "false" }),
      h("label", { for: "logs-status" }, "Status"),
      h("select", { id: "logs-status", onchange: apply }, ["", "2xx", "3xx", "4xx", "5xx"].map((c) => h("option", { value: c, selected: c === fs }, c || "any"))),
      h("label", { for: "logs-request" }, "Request id"),
      h("input", { id: "logs-request", value: fr, size: 18, spellcheck: "false" }),
      h("button", { type: "submit", id: "logs-apply" }, "Apply filters"));
    if (!name) return h("section", {}, h("h1", {}, "Logs"), form, h("p", { class: "empty" }, "No module."));
    const q = new URLSearchParams({ limit: String(LOG_LINES) });
    if (fv) q.set("version", fv);
    if (fs) q.set("status", fs);
    if (fr) q.set("request", fr);
    const res = await api("modules/" + enc(name) + "/logs?" + q.toString());
    const lines = res.lines.slice().reverse();
    return h("section", { "aria-labelledby": "h-logs" },
      h("h1", { id: "h-logs" }, "Logs"), form,
      h("p", { class: "hint" }, "The newest " + LOG_LINES + " matching requests of " + name + ", newest first, re-read every " + POLL_MS / 1000 +
        " s (GET /api/v1/modules/NAME/logs?" + q.toString() + ", as kiln logs). The server keeps a ring of recent lines."),
      lines.length === 0 ? h("p", { class: "empty", id: "logs-empty" }, "No request matches.") :
      h("div", { class: "tablewrap" }, h("table", { id: "logs-table", "data-next": res.next },
        h("thead", {}, h("tr", {}, ["Time", "Version", "Status", "Method", "Path"].map((t) => h("th", { scope: "col" }, t)),
          h("th", { scope: "col", class: "num" }, "Duration"), h("th", { scope: "col" }, "Request id"), h("th", { scope: "col" }, "stderr"))),
        h("tbody", {}, lines.map((l) => h("tr", { "data-seq": l.seq, "data-request-id": l.request_id, "data-version": l.version, "data-status": l.status,
            class: l.status >= 500 ? "bad" : "" },
          h("td", {}, when(l.at)), h("td", {}, l.version), h("td", { class: "num" }, String(l.status)), h("td", {}, l.method),
          h("td", { class: "wrap" }, l.path), fig("duration_us", l.duration_us, fmtUs), h("td", { class: "mono" }, l.request_id),
          h("td", { class: "wrap" }, l.stderr ? h("pre", { class: "stderr" }, l.stderr) : "")))))));
  };

  /* ------------------------------------------------------------ delivery */
  function doraCard(title, key, main, band, sub) {
    return h("div", { class: "card", "data-key": key },
      h("div", {}, title),
      h("div", { class: "big", "data-figure": key, "data-v": main.v == null ? "" : String(main.v) }, main.text),
      h("div", { class: "band-" + band, "data-band": band }, band === "none" ? "no data" : band),
      h("div", { class: "hint" }, sub));
  }
  pages.delivery = async (r) => {
    const since = r.params.get("since") || "30d";
    const d = await api("dora?since=" + enc(since));
    return h("section", { "aria-labelledby": "h-delivery" },
      h("h1", { id: "h-delivery" }, "Delivery (DORA)"),
      windowPicker(r, ["7d", "30d", "90d", "365d"], "30d"),
      h("p", { class: "hint" }, "Bands: " + d.bands + ". GET /api/v1/dora?since=" + since + ", as kiln dora --json."),
      d.modules.length === 0 ? h("p", { class: "empty" }, "No module.") : null,
      d.modules.map((m) => h("section", { "data-module": m.module, "aria-label": "delivery of " + m.module, "data-from-ms": m.period.from_ms, "data-to-ms": m.period.to_ms },
        h("h2", {}, h("a", { href: "#/module/" + enc(m.module) }, m.module), h("span", { class: "hint" }, " · " + m.deployments + " deployments from " + when(m.period.from))),
        h("div", { class: "cards" },
          doraCard("Deployment frequency", "deployment_frequency", { v: m.deployment_frequency.per_day, text: nf(m.deployment_frequency.per_day, 2) + " / day" },
            m.deployment_frequency.band, nf(m.deployment_frequency.per_week, 2) + " per week"),
          doraCard("Change lead time", "lead_time", { v: m.lead_time.median_ms, text: fmtDur(m.lead_time.median_ms) }, m.lead_time.band,
            "median of " + m.lead_time.samples + " deployments with a commit time"),
          doraCard("Change fail rate", "change_fail_rate", { v: m.change_fail_rate.rate, text: fmtPct(m.change_fail_rate.rate) }, m.change_fail_rate.band,
            m.change_fail_rate.failures + " failed (" + m.change_fail_rate.auto_rollbacks + " auto-rollbacks, " + m.change_fail_rate.marked_failed + " marked)"),
          doraCard("Failed deployment recovery time", "recovery_time", { v: m.recovery_time.median_ms, text: fmtDur(m.recovery_time.median_ms) }, m.recovery_time.band,
            m.recovery_time.samples + " recovered, " + m.recovery_time.unrecovered + " not yet")))));
  };

  /* ------------------------------------------------------------ cost */
  pages.cost = async (r) => {
    const since = r.params.get("since") || "24h";
    const only = r.params.get("module");
    const version = only ? r.params.get("version") || "" : "";
    const q = "since=" + enc(since);
    /* One version of one module: the server filters (?version=vN, as `kiln
     * cost NAME --version vN`), by version and by day; the unfiltered answer
     * lists the versions to choose from. */
    const base = only && version ? "modules/" + enc(only) + "/cost?" + q : "cost?" + q;
    const vq = version ? "&version=" + enc(version) : "";
    const [byv, byd, choices, names] = await Promise.all([api(base + vq), api(base + vq + "&by=day"),
      only ? api("modules/" + enc(only) + "/cost?" + q) : null, api("modules")]);
    currency = byv.prices.currency;
    const dayOf = {};
    for (const m of byd.modules) dayOf[m.module] = m;
    const mods = byv.modules.filter((m) => !only || m.module === only);
    const all = r.params.get("all") === "1";
    const pick = (k) => (ev) => {
      const p = Object.fromEntries(r.params);
      if (ev.target.value) p[k] = ev.target.value; else delete p[k];
      if (k === "module") delete p.version;
      go("cost", "", p);
    };
    const filters = h("div", { class: "toolbar" },
      h("label", { for: "cost-module" }, "Module"),
      h("select", { id: "cost-module", onchange: pick("module") }, h("option", { value: "", selected: !only }, "all"),
        names.map((m) => h("option", { value: m.name, selected: m.name === only }, m.name))),
      h("label", { for: "cost-version" }, "Version"),
      h("select", { id: "cost-version", onchange: pick("version"), disabled: !only },
        h("option", { value: "", selected: !version }, "all"),
        ((choices && choices.modules[0] && choices.modules[0].versions) || []).slice().reverse().map((v) =>
          h("option", { value: v.version, selected: v.version === version }, v.version + (v.live ? " (live)" : "")))));
    /* A module with a thousand versions: the newest 50 (and live), unless asked for all. */
    const shownVersions = (m) => {
      const vs = m.versions.slice().reverse();
      if (all || vs.length <= PAGE) return vs;
      const out = vs.slice(0, PAGE);
      const live = vs.find((v) => v.live);
      if (live && !out.includes(live)) out.push(live);
      return out;
    };
    /* The first minute of the window, as the server cut it (the tests
     * compare with the CLI's answer for the same minute). */
    return h("section", { "aria-labelledby": "h-cost", id: "cost-page", "data-window-start": byv.since, "data-window-start-days": byd.since,
        "data-version": version },
      h("h1", { id: "h-cost" }, "Cost", version ? " of " + only + " " + version : ""),
      windowPicker(r, ["1h", "24h", "7d", "30d"], "24h"),
      filters,
      h("p", { class: "hint" }, "Prices: " + byv.prices.name + " (" + currency + "). GET /api/v1/" + base.replace(/\?.*/, "") + "?since=" + since + vq +
        " (and &by=day), as kiln cost " + (only ? only + " " : "") + (version ? "--version " + version + " " : "") + "--json." +
        (version ? " By day: " + version + "'s usage alone; the budget figures are the module's." : "")),
      mods.map((m) => {
        const days = (dayOf[m.module] && dayOf[m.module].days) || [];
        const budget = m.budget_per_day;
        const use = budget ? Math.min(1, m.cost_last_24h / budget) : 0;
        return h("section", { "data-module": m.module, "aria-label": "cost of " + m.module },
          h("h2", {}, h("a", { href: "#/module/" + enc(m.module) }, m.module)),
          h("p", {}, "Last 24 hours: ", h("strong", { "data-figure": "cost_last_24h", "data-v": String(m.cost_last_24h) }, fmtMoney(m.cost_last_24h)),
            budget != null ? [" of a budget of ", h("strong", { "data-figure": "budget_per_day", "data-v": String(budget) }, fmtMoney(budget)), " per day",
              m.over_budget ? h("span", { class: "badge bad" }, "over budget") : null] : " · no budget (kiln policy " + m.module + " --budget AMOUNT)"),
          budget != null ? h("div", { class: "meter" + (m.over_budget ? " over" : ""), role: "meter", "aria-valuemin": 0, "aria-valuemax": budget,
            "aria-valuenow": m.cost_last_24h, "aria-label": "budget use" }, h("div", { style: null, "data-w": use })) : null,
          (m.warnings || []).map((w) => h("p", { class: "error" }, w)),
          h("div", { class: "tablewrap" }, h("table", { class: "cost-versions" },
            h("caption", { class: "hint" }, "By version"),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Version"), ...["Requests", "Error rate", "p50", "p99", "Cost", "Cost / request", "Cost / 1M", "CPU / request", "vs baseline"].map((t) => h("th", { scope: "col", class: "num" }, t)))),
            h("tbody", {}, shownVersions(m).map((v) => h("tr", { "data-version": v.version },
              h("th", { scope: "row" }, v.version, v.live ? h("span", { class: "badge live" }, "live") : null, v.regression || v.flagged ? h("span", { class: "badge regression" }, "regression") : null),
              fig("requests", v.requests, (x) => nf(x, 0)), fig("error_rate", v.error_rate, fmtPct),
              fig("p50_us", v.latency_us.p50, fmtUs), fig("p99_us", v.latency_us.p99, fmtUs),
              fig("cost", v.cost, fmtMoney), fig("cost_per_request", v.cost_per_request, fmtMoney), fig("cost_per_million", v.cost_per_million, fmtMoney),
              fig("cpu_ms", v.per_request.cpu_ms, fmtMs),
              fig("change_compute_cost", v.change ? v.change.compute_cost : null, (x) => (x == null ? "–" : (x >= 0 ? "+" : "") + (x * 100).toFixed(1) + "%"))))))),
          shownVersions(m).length < m.versions.length ? h("p", {}, "Newest " + PAGE + " versions and live shown of " + m.versions.length + " with usage in the window: ",
            h("a", { href: "#/cost?" + new URLSearchParams({ since, module: m.module, all: "1" }).toString(), id: "all-" + m.module }, "show all")) : null,
          days.length ? C.barChart("Cost by day (UTC)", days.map((d) => ({ label: d.day, value: d.cost, over: d.over_budget })), fmtMoney, budget) : null,
          h("div", { class: "tablewrap" }, h("table", { class: "cost-days" },
            h("caption", { class: "hint" }, "By day (UTC)"),
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col", class: "num" }, "Requests"), h("th", { scope: "col", class: "num" }, "Cost"))),
            h("tbody", {}, days.map((d) => h("tr", { "data-day": d.day }, h("th", { scope: "row" }, d.day, d.over_budget ? h("span", { class: "badge bad" }, "over budget") : null),
              fig("requests", d.requests, (x) => nf(x, 0)), fig("cost", d.cost, fmtMoney)))))));
      }));
  };

  /* ------------------------------------------------------------ start */
  function sizeMeters() { for (const d of document.querySelectorAll(".meter > div")) d.style.width = (Number(d.dataset.w) * 100).toFixed(1) + "%"; }
  new MutationObserver(sizeMeters).observe($("main"), { childList: true });
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const ok = await login($("token").value.trim(), $("actor").value.trim());
    if (ok) { await render(false); startPolling(); }
  });
  $("logout").addEventListener("click", () => { sessionStorage.clear(); showLogin("Logged out."); });
  window.addEventListener("hashchange", () => render(false));
  (async () => {
    if (state.token && (await login(state.token, state.actor))) { await render(false); startPolling(); }
    else showLogin("");
  })();
})();
