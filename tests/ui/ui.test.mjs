// ui.test.mjs — kiln's web UI in Debian's chromium (puppeteer-core), run by
// tests/suites/ui against a live `kiln serve`. Prints TAP lines. The oracle
// for every figure is the kiln CLI's --json for the same window.
import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import puppeteer from "puppeteer-core";

const env = process.env;
const URL0 = env.UI_URL, ORIGIN = new URL(env.UI_URL).origin, HOST = new URL(env.UI_URL).host;
let failed = 0;
const ok = (d) => console.log("ok - " + d);
const nok = (d, why) => { failed++; console.log("not ok - " + d); if (why) console.log("#   " + String(why).split("\n").join("\n#   ")); };
const check = (d, cond, why) => (cond ? ok(d) : nok(d, why));
const kiln = (...args) => JSON.parse(execFileSync(env.KILN, args, { env: { ...env, KILN_TOKEN: env.ADMIN_TOKEN }, encoding: "utf8" }));
// kiln logs --json prints one object a line.
const kilnLines = (...args) => execFileSync(env.KILN, args, { env: { ...env, KILN_TOKEN: env.ADMIN_TOKEN }, encoding: "utf8" })
  .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------ figures as shown
// A displayed figure back to a number in the unit of its exact value, and
// how far the display may be from it (half a unit of its last digit).
function shown(text, unit) {
  const t = text.replace(/,/g, "").trim();
  if (t === "–") return { v: null, tol: 0 };
  const m = /(-?[0-9.]+)(e-?\d+)?/.exec(t.replace(/^[+$]/, ""));
  if (!m) return { v: NaN, tol: 0 };
  const dec = (m[1].split(".")[1] || "").length, exp = m[2] ? Number(m[2].slice(1)) : 0;
  let v = Number(m[1] + (m[2] || "")), tol = 0.5 * Math.pow(10, exp - dec);
  let scale = 1;
  if (unit === "pct") scale = 0.01;
  if (unit === "us" || unit === "ms") {
    scale = / s$/.test(t) ? 1e6 : / ms$/.test(t) ? 1e3 : 1; // to µs
    if (unit === "ms") scale /= 1000; // to ms
  }
  return { v: v * scale, tol: tol * scale };
}
const UNITS = { requests_per_min: "num", requests: "num", error_rate: "pct", p50_us: "us", p99_us: "us", cost: "money",
  cost_per_million: "money", cost_per_request: "money", cpu_ms: "ms", change_compute_cost: "pct", cost_last_24h: "money",
  budget_per_day: "money", change_fail_rate: "pct" };
const same = (a, b) => (a == null || b == null ? a == b : Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)));
// Every [data-figure] under a root: {name: {v, text}}.
async function figures(page, selector) {
  return page.$$eval(selector + " [data-figure]", (els) => els.map((e) => ({ name: e.dataset.figure, v: e.dataset.v, text: e.textContent })));
}
// Compares one row's figures with the expected values; returns problems.
function compare(where, figs, expected) {
  const bad = [];
  const seen = new Set();
  for (const f of figs) {
    if (!(f.name in expected)) continue;
    seen.add(f.name);
    const want = expected[f.name];
    const got = f.v === "" ? null : Number(f.v);
    if (!same(got, want)) bad.push(`${where} ${f.name}: page ${got}, CLI ${want}`);
    const s = shown(f.text, UNITS[f.name] || "num");
    if (want == null ? s.v !== null : !(Math.abs(s.v - want) <= s.tol + 1e-15))
      bad.push(`${where} ${f.name}: shown '${f.text}' is not ${want}`);
  }
  for (const k of Object.keys(expected)) if (!seen.has(k)) bad.push(`${where} ${k}: not on the page`);
  return bad;
}

// ------------------------------------------------------------ browser
const browser = await puppeteer.launch({ executablePath: env.CHROME, headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync",
         "--disable-component-update", "--disable-default-apps"] });
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
const foreign = [];
const apiBeforeLogin = [];
let loggedIn = false;
await page.setRequestInterception(true);
page.on("request", (rq) => {
  const u = new URL(rq.url());
  if (u.protocol !== "data:" && u.host !== HOST) { foreign.push(rq.url()); rq.abort("blockedbyclient"); return; }
  rq.continue();
});
page.on("response", async (r) => {
  if (!loggedIn && r.url().includes("/api/v1/") && r.status() === 200) apiBeforeLogin.push(r.url());
});
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("dialog", (d) => { errors.push("alert: " + d.message()); d.dismiss(); });
const shot = (name) => page.screenshot({ path: `${env.SHOTS}/${name}.png`, fullPage: true });
const visible = (sel) => page.$eval(sel, (e) => !e.hidden && e.getClientRects().length > 0).catch(() => false);
async function waitRender(pageName, extra) {
  await page.waitForFunction((p, x) => {
    const m = document.getElementById("main");
    return m && m.dataset.page === p && !m.hidden && (!x || document.querySelector(x));
  }, { timeout: 15000 }, pageName, extra || null);
}
// Setting location.hash to the address already shown fires no hashchange,
// and a poll that finds the same answers leaves the page alone, so the
// page marker cleared here would never come back: ask for the render the
// way the browser does for a new address.
async function goto(hash, pageName, extra) {
  await page.evaluate((h) => {
    document.getElementById("main").dataset.page = "";
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent("hashchange"));
    else location.hash = h;
  }, hash);
  await waitRender(pageName, extra);
}
async function login(token, actor) {
  await page.waitForSelector("#token", { visible: true });
  await page.$eval("#token", (e) => (e.value = ""));
  await page.type("#token", token);
  if (actor) await page.type("#actor", actor);
  await page.click("#login-button");
}

try {
  // ---------------------------------------------------------- login page
  await page.goto(URL0, { waitUntil: "networkidle0" });
  check("without a token /ui shows the login form and no page", (await visible("#login")) && !(await visible("#main")));
  await shot("login");
  await login("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0);
  const afterWrong = await page.evaluate(() => ({ main: document.getElementById("main").childElementCount, text: document.body.innerText }));
  check("a wrong token stays on the login form with an error, and no data is shown",
    (await visible("#login")) && afterWrong.main === 0 && !/\brisky\b|\bbig\b/.test(afterWrong.text), JSON.stringify(afterWrong).slice(0, 300));
  await page.evaluate(() => { sessionStorage.setItem("kiln.token", "wrongwrongwrongwrong"); });
  await page.reload({ waitUntil: "networkidle0" });
  check("a wrong token in the session gets the login form after a reload", (await visible("#login")) && !(await visible("#main")));
  check("no API answer carried data before a valid login", apiBeforeLogin.length === 0, apiBeforeLogin.join(" "));

  // ---------------------------------------------------------- modules
  loggedIn = true;
  await login(env.ADMIN_TOKEN, "tester");
  await waitRender("modules", "#modules-table");
  const stored = await page.evaluate(() => ({ s: sessionStorage.getItem("kiln.token"), l: localStorage.length, c: document.cookie }));
  check("the token is kept in sessionStorage only (no localStorage, no cookie)", stored.s === env.ADMIN_TOKEN && stored.l === 0 && stored.c === "");
  const liveShown = await page.$eval('tr[data-module="app"] [data-figure="live"]', (e) => e.textContent).catch(() => "");
  check("modules page: the deployed module app is listed with live v1", liveShown.startsWith("v1"), liveShown);
  await shot("modules");
  // A sliding window moves at each minute: compare a page and a CLI answer
  // that start at the same minute (the page says which in data-window-start),
  // rendering the page again if a minute turned in between. The page polls
  // and may render again (a minute later) while its figures are read, so the
  // rendering whose window was read is frozen: a copy, #frozen, that the
  // comparison reads (unfreeze() removes it).
  async function sameWindow(hash, pageName, extra, sel, cliArgs) {
    for (let i = 0; ; i++) {
      const answers = cliArgs.map((a) => kiln(...a));
      const starts = await page.$eval(sel, (e) => {
        document.getElementById("frozen")?.remove();
        const box = document.createElement("div");
        box.id = "frozen";
        box.hidden = true;
        box.appendChild(e.cloneNode(true));
        document.body.appendChild(box);
        return [e.dataset.windowStart, e.dataset.windowStartDays];
      });
      if (answers.every((a, k) => a.since === starts[k])) return answers;
      // Four tries cannot all straddle a minute: a mismatch here means the
      // page and the CLI describe different windows, which the figures would
      // then disagree about (the report's `since` is the minute it starts at).
      if (i === 3) {
        check(`${pageName} page and the CLI report the same window`, false,
              `page ${starts.join(" ")}, CLI ${answers.map((a) => a.since).join(" ")}`);
        return answers;
      }
      await goto(hash + "&again=" + i, pageName, extra);
    }
  }
  const unfreeze = () => page.evaluate(() => document.getElementById("frozen")?.remove());
  {
    const [cost] = await sameWindow("#/modules?since=1h", "modules", "#modules-table", "#modules-table", [["cost", "--since", "1h", "--json"]]);
    const bad = [];
    for (const m of cost.modules) {
      const lv = m.versions.find((v) => v.version === m.live);
      const exp = lv ? { requests_per_min: lv.requests / 60, error_rate: lv.error_rate, p50_us: lv.latency_us.p50,
                         p99_us: lv.latency_us.p99, cost_per_million: lv.cost_per_million }
                     : { requests_per_min: 0, error_rate: null, p50_us: null, p99_us: null, cost_per_million: null };
      bad.push(...compare("modules/" + m.module, await figures(page, `#frozen tr[data-module="${m.module}"]`), exp));
    }
    await unfreeze();
    check(`modules page: every figure equals kiln cost --since 1h --json (${cost.modules.length} modules)`, bad.length === 0, bad.join("\n"));
  }
  const sparks = await page.$$eval("#modules-table svg.spark polyline", (e) => e.length);
  check("modules page: a sparkline per module with usage", sparks >= 2, sparks);

  // ---------------------------------------------------------- cost
  await goto("#/cost?since=24h", "cost", ".cost-versions");
  await shot("cost");
  {
    const cost = kiln("cost", "--since", "24h", "--json");
    const bad = [];
    for (const m of cost.modules) {
      const rows = await page.$$eval(`section[data-module="${m.module}"] .cost-versions tbody tr`, (e) => e.map((x) => x.dataset.version));
      const newest = m.versions.map((v) => v.version).reverse().slice(0, 50);
      const live = m.versions.find((v) => v.live);
      if (live && !newest.includes(live.version)) newest.push(live.version);
      if (rows.join() !== newest.join()) bad.push(`${m.module}: rows ${rows.slice(0, 5)}... want ${newest.slice(0, 5)}...`);
      const link = await page.$(`#all-${m.module}`);
      if (!!link !== (m.versions.length > newest.length)) bad.push(`${m.module}: 'show all' link ${!!link} with ${m.versions.length} versions`);
    }
    check("cost page: the newest 50 versions (and live) of each module, with a link to all of them", bad.length === 0, bad.join("\n"));
  }
  await goto("#/cost?since=24h&all=1", "cost", ".cost-versions");
  {
    const [byv, byd] = await sameWindow("#/cost?since=24h&all=1", "cost", ".cost-versions", "#cost-page",
      [["cost", "--since", "24h", "--json"], ["cost", "--since", "24h", "--by", "day", "--json"]]);
    // What a poll that renders the next minute does to the live page, done
    // at once: the comparison must read the frozen rendering, not this.
    await page.evaluate(() => document.querySelectorAll("#main [data-figure]").forEach((e) => { e.dataset.v = "-1"; e.textContent = "-1"; }));
    const bad = [];
    let n = 0;
    for (const m of byv.modules) {
      const root = `#frozen section[data-module="${m.module}"]`;
      const top = (await figures(page, root)).filter((f) => f.name === "cost_last_24h" || f.name === "budget_per_day");
      const exp = { cost_last_24h: m.cost_last_24h };
      if (m.budget_per_day != null) exp.budget_per_day = m.budget_per_day;
      bad.push(...compare(m.module, top, exp));
      for (const v of m.versions) {
        n++;
        bad.push(...compare(`${m.module} ${v.version}`, await figures(page, `${root} .cost-versions tr[data-version="${v.version}"]`), {
          requests: v.requests, error_rate: v.error_rate, p50_us: v.latency_us.p50, p99_us: v.latency_us.p99, cost: v.cost,
          cost_per_request: v.cost_per_request, cost_per_million: v.cost_per_million, cpu_ms: v.per_request.cpu_ms,
          change_compute_cost: v.change ? v.change.compute_cost : null }));
      }
      const rows = await page.$$eval(`${root} .cost-versions tbody tr`, (e) => e.length);
      if (rows !== m.versions.length) bad.push(`${m.module}: ${rows} version rows, CLI ${m.versions.length}`);
      const days = byd.modules.find((x) => x.module === m.module).days;
      for (const d of days) {
        n++;
        bad.push(...compare(`${m.module} ${d.day}`, await figures(page, `${root} .cost-days tr[data-day="${d.day}"]`), { requests: d.requests, cost: d.cost }));
      }
    }
    await unfreeze();
    check(`cost page: every figure equals kiln cost --since 24h --json and --by day (${n} rows)`, bad.length === 0 && n > 3, bad.slice(0, 20).join("\n"));
  }

  // ---------------------------------------------------------- delivery
  await goto("#/delivery?since=30d", "delivery", ".card");
  await shot("delivery");
  {
    const dora = kiln("dora", "--since", "30d", "--json");
    const bad = [];
    for (const m of dora.modules) {
      const root = `section[data-module="${m.module}"]`;
      // "now" and the figures from one render (a poll may redraw the page
      // between two reads, and deployment frequency moves with now).
      const { toMs, figs } = await page.$eval(root, (e) => ({ toMs: Number(e.dataset.toMs),
        figs: [...e.querySelectorAll("[data-figure]")].map((x) => ({ name: x.dataset.figure, v: x.dataset.v, text: x.textContent })) }));
      // Deployment frequency depends on "now": recompute the CLI's at the page's now.
      const days = (toMs - m.period.from_ms) / 86400000;
      const exp = { deployment_frequency: days > 0 ? m.deployments / days : 0, lead_time: m.lead_time.median_ms,
                    change_fail_rate: m.change_fail_rate.rate, recovery_time: m.recovery_time.median_ms };
      for (const f of figs) {
        const got = f.v === "" ? null : Number(f.v), want = exp[f.name];
        const tol = f.name === "deployment_frequency" ? 1e-9 * Math.abs(want) : 0;
        if (want == null ? got !== null : !(Math.abs(got - want) <= tol)) bad.push(`${m.module} ${f.name}: page ${got}, CLI ${want}`);
      }
      if (figs.length !== 4) bad.push(`${m.module}: ${figs.length} keys shown`);
      const bands = await page.$$eval(root + " [data-band]", (e) => e.map((x) => x.dataset.band));
      const want = [m.deployment_frequency.band, m.lead_time.band, m.change_fail_rate.band, m.recovery_time.band];
      if (bands.join() !== want.join()) bad.push(`${m.module} bands: page ${bands}, CLI ${want}`);
    }
    check(`delivery page: the four keys and their bands equal kiln dora --since 30d --json (${dora.modules.length} modules)`, bad.length === 0, bad.join("\n"));
  }

  // ---------------------------------------------------------- one module: actions
  await goto("#/module/app?since=1h", "module", "#versions-table");
  await shot("module");
  const xss = await page.evaluate(() => ({ flag: window.__xss, imgs: document.querySelectorAll("#history img, #history script").length,
    text: document.getElementById("history").textContent }));
  check("a reason written as markup is shown as text and never runs", xss.flag === undefined && xss.imgs === 0 && xss.text.includes("<script>window.__xss=2</script>"), JSON.stringify(xss).slice(0, 200));
  const charts = await page.$$eval(".charts figure svg polyline, .charts figure svg circle", (e) => e.length);
  check("module page: charts of requests, errors, latency, CPU and cost are drawn", charts >= 5, charts);
  const historyLen = kiln("history", "app", "--json").length;
  async function doAction(buttonId, reason) {
    await page.waitForSelector("#" + buttonId);
    await page.evaluate((id) => document.getElementById(id).click(), buttonId); // atomic: a poll may redraw the page
    await page.waitForSelector("#confirm[open]");
    await page.type("#confirm-reason", reason);
    await page.click("#confirm-ok");
    await page.waitForFunction((r) => document.getElementById("history") && document.getElementById("history").textContent.includes(r),
      { timeout: 10000 }, reason);
  }
  // A cancelled dialog does nothing.
  await page.evaluate(() => document.getElementById("promote-v2").click());
  await page.waitForSelector("#confirm[open]");
  await page.click("#confirm-cancel");
  await sleep(300);
  check("cancelling the confirmation changes nothing", kiln("history", "app", "--json").length === historyLen);
  await doAction("promote-v2", "promoted from the browser");
  let h = kiln("history", "app", "--json");
  let last = h[h.length - 1];
  check("promote from the UI: kiln history --json shows it (v1 -> v2, actor and reason)",
    last.action === "promote" && last.from === "v1" && last.to === "v2" && last.actor === "tester (web ui)" && last.reason === "promoted from the browser",
    JSON.stringify(last));
  check("promote from the UI: live is v2", kiln("versions", "app", "--json").find((v) => v.aliases.includes("live")).version === "v2");
  await doAction("rollback-live", "rolled back from the browser");
  h = kiln("history", "app", "--json");
  last = h[h.length - 1];
  check("rollback from the UI: kiln history --json shows it (v2 -> v1)",
    last.action === "rollback" && last.from === "v2" && last.to === "v1" && last.reason === "rolled back from the browser", JSON.stringify(last));
  await doAction("pin-v1", "pinned from the browser");
  h = kiln("history", "app", "--json");
  last = h[h.length - 1];
  check("pin from the UI: kiln history --json shows it", last.action === "pin" && last.to === "v1", JSON.stringify(last));
  await page.waitForSelector("#unpin-live");
  await doAction("unpin-live", "unpinned from the browser");
  h = kiln("history", "app", "--json");
  last = h[h.length - 1];
  check("unpin from the UI: kiln history --json shows it", last.action === "unpin", JSON.stringify(last));
  await goto("#/module/risky?since=1h", "module", "#history");
  const auto = await page.$eval("#history li.auto", (e) => e.textContent).catch(() => "");
  check("module page: the auto-rollback is in the timeline with its reason", /auto-rollback/.test(auto) && /trapped in/.test(auto), auto);
  const marks = await page.$$eval('.charts line[data-mark="auto-rollback"]', (e) => e.length);
  check("module page: the auto-rollback is marked on each chart's time axis", marks === 5, marks);

  // ---------------------------------------------------------- traps
  await goto("#/traps/risky?g=0", "traps", "#trap-report");
  await shot("traps");
  {
    const traps = kiln("traps", "risky", "--json");
    const count = Number(await page.$eval('#traps-table [data-figure="trap_count"]', (e) => e.textContent));
    const report = await page.$eval("#trap-report", (e) => e.textContent);
    check(`traps page: one group of ${traps.length} unreachable traps in explode, with a symbolicated backtrace`,
      count === traps.length && traps.length > 0 && /explode/.test(await page.$eval("#traps-table", (e) => e.textContent)) && report === traps[0].report,
      `count ${count}, CLI ${traps.length}`);
  }

  // ---------------------------------------------------------- traps and errors grouped by the server
  {
    const bad = [];
    let groups = 0;
    for (const [hash, args] of [["#/traps/faulty", ["traps", "faulty", "--group", "--json"]],
                                ["#/traps/faulty?errors=1", ["errors", "faulty", "--group", "--json"]]]) {
      await goto(hash, "traps", "#traps-table");
      const cli = kiln(...args);
      const rows = await page.$$eval("#traps-table tbody tr", (e) => e.map((x) => ({ kind: x.dataset.kind, frame: x.dataset.frame,
        count: Number(x.querySelector('[data-figure="trap_count"]').textContent), versions: x.querySelector("[data-versions]").dataset.versions })));
      const want = cli.groups.map((g) => ({ kind: g.kind, frame: g.frame, count: g.count, versions: g.versions.join(",") }));
      groups += want.length;
      if (JSON.stringify(rows) !== JSON.stringify(want)) bad.push(`${hash}: page ${JSON.stringify(rows)}\nCLI  ${JSON.stringify(want)}`);
      for (let i = 0; i < want.length; i++) {
        await goto(hash + (hash.includes("?") ? "&" : "?") + "g=" + i, "traps", "#trap-report");
        const rep = await page.$eval("#trap-report", (e) => e.textContent);
        const smp = cli.groups[i].sample;
        if (rep !== (smp.report || smp.message || "")) bad.push(`${hash} group ${i}: the sample shown is not the CLI's`);
      }
      await shot(hash.includes("errors") ? "errors-groups" : "traps-groups");
    }
    check(`traps page: groups (kind, top frame, count, versions) and samples equal kiln traps|errors faulty --group --json (${groups} groups)`,
      bad.length === 0 && groups >= 5, bad.join("\n"));
  }

  // ---------------------------------------------------------- logs
  {
    await goto("#/logs/app", "logs", "#logs-table");
    await shot("logs");
    const resp = await fetch(env.KILN_SERVER + "/run/app/?from-the-ui-test", { headers: { "X-Kiln-Key": "logs-test" } });
    const rid = resp.headers.get("x-request-id");
    await resp.text();
    const appeared = await page.waitForSelector(`#logs-table tr[data-request-id="${rid}"]`, { timeout: 15000 }).then(() => true, () => false);
    check("logs page: a request made while the page is open appears on it by itself (live tail)", !!rid && appeared, rid);
    const [cl] = kilnLines("logs", "app", "--request", rid, "--json");
    const row = await page.$eval(`#logs-table tr[data-request-id="${rid}"]`, (e) => ({ seq: Number(e.dataset.seq), version: e.dataset.version,
      status: Number(e.dataset.status), text: e.textContent, dur: Number(e.querySelector('[data-figure="duration_us"]').dataset.v) })).catch(() => null);
    check("logs page: the line equals kiln logs --request ID --json (seq, version, status, path, duration)",
      cl && row && row.seq === cl.seq && row.version === cl.version && row.status === cl.status && row.dur === cl.duration_us && row.text.includes(cl.path),
      JSON.stringify({ row, cl }));
    // The filters from the keyboard: type a version and a request id, Enter.
    await page.focus("#logs-version");
    await page.keyboard.type(cl.version);
    await page.focus("#logs-request");
    await page.keyboard.type(rid);
    await page.evaluate(() => { document.getElementById("main").dataset.page = ""; });
    await page.keyboard.press("Enter");
    await waitRender("logs", "#logs-table");
    const hash = await page.evaluate(() => location.hash);
    const seqs = await page.$$eval("#logs-table tbody tr", (e) => e.map((x) => Number(x.dataset.seq)));
    check("logs page: version and request id typed and Enter filter the page (one line, the CLI's)",
      hash.includes("version=" + cl.version) && hash.includes("request=" + rid) && seqs.length === 1 && seqs[0] === cl.seq, `${hash} ${seqs}`);
    // Clear the request id from the keyboard, Enter: focus stays in the
    // field, and the page goes on updating (a request made now shows up).
    await page.focus("#logs-request");
    await page.$eval("#logs-request", (e) => e.select());
    await page.keyboard.press("Backspace");
    await page.evaluate(() => { document.getElementById("main").dataset.page = ""; });
    await page.keyboard.press("Enter");
    await waitRender("logs", "#logs-table");
    const r2 = await fetch(env.KILN_SERVER + "/run/app/?second", { headers: { "X-Kiln-Key": "logs-test" } });
    const rid2 = r2.headers.get("x-request-id");
    await r2.text();
    const live2 = await page.waitForSelector(`#logs-table tr[data-request-id="${rid2}"]`, { timeout: 15000 }).then(() => true, () => false);
    const still = await page.evaluate(() => [document.activeElement.id, location.hash]);
    check("logs page: with the cursor left in a filter field after Enter, new requests still appear",
      live2 && still[0] === "logs-request" && !still[1].includes("request="), JSON.stringify({ live2, still }));
    const bad = [];
    for (const [mod, q, args] of [["risky", "status=5xx", ["--status", "5xx"]], ["app", "version=v2", ["--version", "v2"]], ["risky", "", []]]) {
      await goto(`#/logs/${mod}${q ? "?" + q : ""}`, "logs", "#logs-table, #logs-empty");
      const page_ = await page.$$eval("#logs-table tbody tr", (e) => e.map((x) => Number(x.dataset.seq)));
      const cli = kilnLines("logs", mod, ...args, "--limit", "200", "--json").map((l) => l.seq).reverse();
      if (page_.join() !== cli.join() || cli.length === 0) bad.push(`${mod}?${q}: page [${page_}] CLI [${cli}]`);
    }
    const all = kilnLines("logs", "risky", "--limit", "200", "--json").length, five = kilnLines("logs", "risky", "--status", "5xx", "--limit", "200", "--json").length;
    check(`logs page: status and version filters show the lines of kiln logs --status/--version --json (risky: ${five} of ${all} are 5xx)`,
      bad.length === 0 && five > 0 && five < all, bad.join("\n"));
    await goto("#/logs/risky?status=5xx", "logs", "#logs-table");
    await shot("logs-5xx");
  }

  // ---------------------------------------------------------- cost of one version
  {
    await goto("#/cost?since=24h&module=app", "cost", "#cost-version");
    await page.evaluate(() => { document.getElementById("main").dataset.page = ""; });
    await page.select("#cost-version", "v2");
    await waitRender("cost", '#cost-page[data-version="v2"]');
    const hash = await page.evaluate(() => location.hash);
    const [byv, byd] = await sameWindow(hash, "cost", '#cost-page[data-version="v2"]', "#cost-page",
      [["cost", "app", "--since", "24h", "--version", "v2", "--json"], ["cost", "app", "--since", "24h", "--version", "v2", "--by", "day", "--json"]]);
    await shot("cost-version");
    const bad = [];
    const root = '#frozen section[data-module="app"]';
    const rows = await page.$$eval(`${root} .cost-versions tbody tr`, (e) => e.map((x) => x.dataset.version));
    if (rows.join() !== "v2" || byv.modules[0].versions.length !== 1) bad.push(`rows ${rows}, CLI ${byv.modules[0].versions.map((v) => v.version)}`);
    const v = byv.modules[0].versions[0];
    bad.push(...compare("app v2", await figures(page, `${root} .cost-versions tr[data-version="v2"]`), {
      requests: v.requests, error_rate: v.error_rate, p50_us: v.latency_us.p50, p99_us: v.latency_us.p99, cost: v.cost,
      cost_per_request: v.cost_per_request, cost_per_million: v.cost_per_million, cpu_ms: v.per_request.cpu_ms }));
    for (const d of byd.modules[0].days)
      bad.push(...compare(`app v2 ${d.day}`, await figures(page, `${root} .cost-days tr[data-day="${d.day}"]`), { requests: d.requests, cost: d.cost }));
    await unfreeze();
    const all = kiln("cost", "app", "--since", "24h", "--json").modules[0].versions;
    check(`cost page, version v2 chosen in its select: every figure equals kiln cost app --version v2 --json and --by day (${v.requests} of ${all.reduce((a, x) => a + x.requests, 0)} requests)`,
      bad.length === 0 && byd.modules[0].days.length > 0, bad.join("\n"));
  }

  // ---------------------------------------------------------- rollouts: start and abort from the UI
  {
    await goto("#/module/app?since=1h", "module", "#rollout-form");
    const before = kiln("history", "app", "--json").length;
    // From the keyboard: choose v2, steps 50,100, an hour a step (it stays
    // at its first step while the test looks), Enter, then Enter on Confirm.
    await page.select("#rollout-version", "v2");
    await page.focus("#rollout-steps");
    await page.$eval("#rollout-steps", (e) => e.select());
    await page.keyboard.type("50,100");
    await page.focus("#rollout-interval");
    await page.$eval("#rollout-interval", (e) => e.select());
    await page.keyboard.type("1h");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#confirm[open]");
    const reasonHidden = await page.$eval("#confirm-reason-row", (e) => e.hidden);
    const focused = await page.evaluate(() => document.activeElement.id);
    await page.keyboard.press("Enter");
    await page.waitForSelector('#rollout[data-state="running"]', { timeout: 10000 }).catch(() => {});
    const st = kiln("rollout", "status", "app", "--json");
    let h3 = kiln("history", "app", "--json");
    let l3 = h3[h3.length - 1];
    check("rollout started from the UI (keyboard): kiln rollout status --json says running v1 -> v2 at 50% of 50,100, kiln history has it",
      st.state === "running" && st.from === "v1" && st.to === "v2" && st.percent === 50 && st.steps === "50,100" && st.interval_ms === 3600000 &&
      h3.length === before + 1 && l3.action === "rollout" && l3.to === "v2" && l3.actor === "tester (web ui)" && focused === "confirm-ok" && reasonHidden,
      JSON.stringify({ st, l3, focused, reasonHidden }));
    const panel = await page.$eval("#rollout", (e) => ({ state: e.dataset.state, to: e.dataset.to, percent: Number(e.dataset.percent), step: Number(e.dataset.step), text: e.textContent }));
    check("module page: the rollout panel shows the rollout's split and step as kiln rollout status does",
      panel.state === "running" && panel.to === st.to && panel.percent === st.percent && panel.step === st.step && panel.text.includes("50%"), JSON.stringify(panel));
    await shot("module-rollout");
    await goto("#/modules", "modules", "#modules-table");
    const cell = await page.$eval('tr[data-module="app"] [data-figure="rollout"]', (e) => ({ v: e.dataset.v, percent: Number(e.dataset.percent), text: e.textContent })).catch(() => null);
    const others = await page.$$eval('tr:not([data-module="app"]) [data-figure="rollout"]', (e) => e.map((x) => x.dataset.v).filter((x) => x));
    check("modules page: app's row shows the rollout in progress and its split; no other module has one",
      cell && cell.v === st.to && cell.percent === st.percent && /v1 → v2 · 50%/.test(cell.text) && others.length === 0, JSON.stringify({ cell, others }));
    await shot("modules-rollout");
    await goto("#/module/app?since=1h", "module", "#rollout-abort");
    await page.evaluate(() => document.getElementById("rollout-abort").click());
    await page.waitForSelector("#confirm[open]");
    await page.type("#confirm-reason", "aborted from the browser");
    await page.click("#confirm-ok");
    await page.waitForSelector('#rollout[data-state="aborted"]', { timeout: 10000 }).catch(() => {});
    const st2 = kiln("rollout", "status", "app", "--json");
    h3 = kiln("history", "app", "--json");
    l3 = h3[h3.length - 1];
    check("rollout aborted from the UI: kiln rollout status --json says aborted with the reason, kiln history has it, live stays v1",
      st2.state === "aborted" && st2.reason === "aborted from the browser" && l3.action === "rollout-abort" && l3.reason === "aborted from the browser" &&
      l3.actor === "tester (web ui)" && kiln("versions", "app", "--json").find((v) => v.aliases.includes("live")).version === "v1",
      JSON.stringify({ st2, l3 }));
    const tl = await page.$eval("#history", (e) => e.textContent);
    check("module page: the timeline shows the rollout and its abort", /rollout-abort/.test(tl) && /aborted from the browser/.test(tl), tl.slice(0, 200));
    await goto("#/modules", "modules", "#modules-table");
    const gone = await page.$eval('tr[data-module="app"] [data-figure="rollout"]', (e) => e.dataset.v).catch(() => "?");
    check("modules page: no rollout shown for app once aborted", gone === "", gone);
  }

  // ---------------------------------------------------------- keyboard, labels, narrow
  const unlabelled = [];
  let nameless = 0;
  for (const [hash, name, sel] of [["#/modules", "modules", "#modules-table"], ["#/module/app?since=1h", "module", "#rollout-form"],
                                   ["#/logs/app", "logs", "#logs-form"], ["#/traps/faulty", "traps", "#traps-table"],
                                   ["#/cost?since=24h&module=app&version=v2", "cost", "#cost-version"]]) {
    await goto(hash, name, sel);
    unlabelled.push(...(await page.evaluate(() => [...document.querySelectorAll("input, select")].filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id)))
      .map((id) => name + ":" + id));
    nameless += await page.evaluate(() => [...document.querySelectorAll("button, a")].filter((e) => e.getClientRects().length && !(e.textContent.trim() || e.getAttribute("aria-label"))).length);
  }
  await goto("#/modules", "modules", "#modules-table");
  check("every input and select has a label, every button and link a name (modules, module with its rollout form, logs, traps, cost)",
    unlabelled.length === 0 && nameless === 0, unlabelled.join(","));
  // The skip link comes first in the tab order; from the page's content
  // (where focus goes after each navigation) Shift+Tab walks back to the
  // page links, and Enter opens one.
  const first = await page.evaluate(() => [...document.querySelectorAll("a[href], button, input, select")].find((e) => e.tabIndex >= 0).id);
  let reached = "";
  await page.focus("#main");
  for (let i = 0; i < 8 && !reached; i++) {
    await page.keyboard.down("Shift"); await page.keyboard.press("Tab"); await page.keyboard.up("Shift");
    reached = await page.evaluate(() => (document.activeElement.dataset.page === "cost" ? "cost" : ""));
  }
  await page.keyboard.press("Enter");
  await waitRender("cost").catch(() => {});
  const onCost = await page.evaluate(() => location.hash.startsWith("#/cost"));
  check("keyboard: the skip link is first; Shift+Tab from the content reaches the page links; Enter opens one", first === "skip" && reached === "cost" && onCost, `${first} ${reached} ${onCost}`);
  await page.setViewport({ width: 360, height: 740 });
  await goto("#/modules", "modules", "#modules-table");
  const overflow = {};
  for (const [hash, name, sel] of [["#/modules", "modules", "#modules-table"], ["#/module/app?since=1h", "module", "#rollout-form"],
                                   ["#/logs/risky", "logs", "#logs-table"], ["#/traps/faulty?g=0", "traps", "#trap-report"],
                                   ["#/cost?since=24h&module=app&version=v2", "cost", "#cost-version"]]) {
    await goto(hash, name, sel);
    overflow[name] = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow[name] > 0) // name what sticks out, outside the boxes that scroll on purpose
      overflow[name + "_by"] = await page.evaluate(() => [...document.querySelectorAll("main *")]
        .filter((e) => !e.closest(".tablewrap, pre") && (e.getBoundingClientRect().right > document.documentElement.clientWidth ||
          (getComputedStyle(e).overflowX === "visible" && e.scrollWidth > e.clientWidth + 1)))
        .slice(-3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + ": " + (e.textContent || "").slice(0, 60)));
    await shot(name + "-narrow");
  }
  check("a 360 px wide window: no page scrolls sideways (tables scroll in their box): " + JSON.stringify(overflow),
    Object.values(overflow).every((x) => typeof x !== "number" || x <= 0), JSON.stringify(overflow));
  await page.setViewport({ width: 1280, height: 900 });

  // ---------------------------------------------------------- 1,000 versions, 7 days
  {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await goto("#/module/big?since=7d&r=" + i, "module", "#versions-table");
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      times.push(Date.now() - t0);
    }
    const info = await page.evaluate(() => ({ rows: document.querySelectorAll("#versions-table tbody tr").length,
      pager: document.getElementById("page-info").textContent, lines: document.querySelectorAll(".charts polyline").length }));
    await shot("module-big");
    const t1 = Date.now();
    await goto("#/cost?since=7d&module=big", "cost", ".cost-versions");
    const costMs = Date.now() - t1;
    const costRows = await page.$$eval(".cost-versions tbody tr", (e) => e.length);
    const t2 = Date.now();
    await goto("#/cost?since=7d&module=big&all=1", "cost", ".cost-versions");
    const costAllMs = Date.now() - t2;
    const costAllRows = await page.$$eval(".cost-versions tbody tr", (e) => e.length);
    times.sort((a, b) => a - b);
    const line = `ui bench ${new Date().toISOString()}: module page of big (${env.BIG_VERSIONS} versions, 7 days of minutes, since=7d): ` +
      `median ${times[1]} ms of [${times}] (hash change to painted); ${info.rows} rows shown, ${info.pager}, ${info.lines} chart lines; ` +
      `cost page for 7d: ${costMs} ms (${costRows} version rows shown), ${costAllMs} ms with all ${costAllRows} rows`;
    console.log("# " + line);
    appendFileSync(env.RESULTS, line + "\n");
    check(`the page of a module with ${env.BIG_VERSIONS} versions shows one page of 50 and the pager`, info.rows === 50 && info.pager.includes(`${env.BIG_VERSIONS} versions`), JSON.stringify(info));
  }

  // ---------------------------------------------------------- read-only
  await page.click("#logout");
  await page.waitForSelector("#login:not([hidden])");
  check("logging out forgets the token and shows the login form", (await page.evaluate(() => sessionStorage.getItem("kiln.token"))) === null);
  await login(env.RO_TOKEN, "viewer");
  await page.waitForFunction(() => !!document.getElementById("main").dataset.page, { timeout: 15000 });
  await goto("#/module/app?since=1h", "module", "#versions-table");
  const acts = await page.$$eval("[data-action]", (e) => e.map((x) => x.disabled));
  check(`read-only token: every action on the module page is disabled (${acts.length})`, acts.length >= 3 && acts.every((d) => d), JSON.stringify(acts));
  const hBefore = kiln("history", "app", "--json");
  const forced = await page.evaluate(async (t) => (await fetch("/api/v1/modules/app/rollback", { method: "POST", headers: { Authorization: "Bearer " + t }, body: "{}" })).status, env.RO_TOKEN);
  const h2 = kiln("history", "app", "--json");
  check("read-only token: a rollback forced from the page gets 403 and changes nothing", forced === 403 && h2.length === hBefore.length, forced);
  await shot("module-readonly");

  check("no request left " + HOST + " (JavaScript, CSS and data all from kiln)", foreign.length === 0, foreign.join("\n"));
  check("no script error or alert on any page", errors.length === 0, errors.join("\n"));
} catch (e) {
  nok("the browser session ran to its end", e.stack);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.exit(0);
