// The /curate review page: a source's text beside its candidate milestones, keyboard first.
// Data is only ever inserted as text (never as HTML); the token lives in sessionStorage and goes
// out as a bearer header, so there are no cookies and nothing to forge across sites.
"use strict";
(() => {
  const KEY = "reform-timeline-token";
  // Fields every milestone has; the rest (status, amount, figure…) depend on the type, and the
  // server sends what each type drafts for a candidate (`details_by_type`) to swap in.
  const COMMON = ["type", "occurred", "regions", "programmes", "title", "summary", "sources",
    "confidence", "participants", "issuers", "note"];
  const LISTS = ["regions", "programmes", "participants", "issuers"];
  const $ = (selector) => document.querySelector(selector);
  const state = { token: sessionStorage.getItem(KEY), source: null, items: [], current: 0 };

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function say(text) { $("#status").textContent = text; }

  async function call(method, url, body) {
    const headers = { Authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      state.token = null;
      showLogin(`The token was refused (${(data && data.detail) || "401"}). Nothing was written.`);
      throw new Error("unauthorised");
    }
    return { status: response.status, data };
  }

  function showLogin(message) {
    $("#review").hidden = true;
    $("#pick").hidden = true;
    $("#login").hidden = false;
    $("#login-error").textContent = message || "";
    $("#token").focus();
  }

  // ---- dates: the interval an EDTF value means, shown live beside the field
  function dayRange(text) {
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[\d:]+(?:Z|[+-]\d{2}:\d{2})?)?[?~%]?$/.exec(text);
    if (!m) return null;
    const [y, mo, d] = [Number(m[1]), m[2] && Number(m[2]), m[3] && Number(m[3])];
    if (mo && (mo < 1 || mo > 12)) return null;
    const last = (yy, mm) => new Date(Date.UTC(yy, mm, 0)).getUTCDate();
    if (d && (d < 1 || d > last(y, mo))) return null;
    const pad = (n) => String(n).padStart(2, "0");
    if (d) return [`${m[1]}-${pad(mo)}-${pad(d)}`, `${m[1]}-${pad(mo)}-${pad(d)}`];
    if (mo) return [`${m[1]}-${pad(mo)}-01`, `${m[1]}-${pad(mo)}-${pad(last(y, mo))}`];
    return [`${m[1]}-01-01`, `${m[1]}-12-31`];
  }

  function interval(text) {
    const value = text.trim();
    const parts = value.split("/");
    if (!value || parts.length > 2) return "not a date";
    const ends = parts.map((p) => (p === ".." ? ".." : dayRange(p)));
    if (ends.some((e) => e === null) || ends.every((e) => e === "..")) return "not a date";
    const from = ends[0] === ".." ? "…" : ends[0][0];
    const to = ends[ends.length - 1] === ".." ? "…" : ends[ends.length - 1][1];
    return from === to ? from : `${from} – ${to}`;
  }

  // ---- the document with every candidate's sentence marked
  function renderDocument(paragraphs) {
    const box = $("#document");
    box.replaceChildren(el("h2", {}, state.source));
    for (const paragraph of paragraphs) {
      const ranges = new Map();
      for (const item of state.items) {
        const ev = item.candidate.evidence;
        if (ev.paragraph !== paragraph.number) continue;
        const key = `${ev.start}-${ev.end}`;
        if (!ranges.has(key)) ranges.set(key, { start: ev.start, end: ev.end, ids: [] });
        ranges.get(key).ids.push(item.candidate.candidate_id);
      }
      const node = el("p", { id: `para-${paragraph.number}`, "data-locator": paragraph.locator });
      let at = 0;
      for (const range of [...ranges.values()].sort((a, b) => a.start - b.start)) {
        node.append(paragraph.text.slice(at, range.start));
        node.append(el("mark", { "data-candidates": range.ids.join(" ") }, paragraph.text.slice(range.start, range.end)));
        at = range.end;
      }
      node.append(paragraph.text.slice(at));
      box.append(node);
    }
  }

  // ---- one candidate as an editable form
  function field(label, path, value, attrs = {}) {
    const id = `f-${Math.random().toString(36).slice(2)}`;
    const input = attrs.multiline
      ? el("textarea", { id, "data-path": path, rows: 2 })
      : el("input", { id, "data-path": path, type: attrs.type || "text", list: attrs.list || null, step: attrs.step || null });
    input.value = value === undefined || value === null ? "" : String(value);
    return el("div", { class: "field" }, el("label", { for: id }, label), input,
      el("p", { class: "problem", "data-problem": path }));
  }

  function select(label, path, value, options) {
    const id = `f-${Math.random().toString(36).slice(2)}`;
    const node = el("select", { id, "data-path": path });
    for (const option of options) node.append(el("option", { value: option }, option));
    node.value = value;
    return el("div", { class: "field" }, el("label", { for: id }, label), node,
      el("p", { class: "problem", "data-problem": path }));
  }

  function extraFields(draft) {
    const fields = [];
    for (const [key, value] of Object.entries(draft)) {
      if (COMMON.includes(key) || key === "status") continue;
      if (value && typeof value === "object" && "zh" in value) {
        fields.push(field(`${key} (zh)`, `${key}.zh`, value.zh), field(`${key} (en)`, `${key}.en`, value.en));
      } else {
        const numeric = typeof value === "number" || value === null;  // null: a number to give
        fields.push(field(key, key, value, { type: numeric ? "number" : "text", step: "any" }));
      }
    }
    return fields;
  }

  function typeFields(draft) {
    return [draft.status !== undefined ? field("status", "status", draft.status) : "", ...extraFields(draft)];
  }

  function renderCard(item, index) {
    const { candidate, draft } = item;
    const typed = el("div", { class: "typed" }, ...typeFields(draft));
    const occurred = field("occurred (EDTF)", "occurred", draft.occurred);
    const shown = el("output", { class: "interval", "aria-live": "polite" }, interval(draft.occurred));
    occurred.querySelector("input").addEventListener("input", (e) => { shown.textContent = interval(e.target.value); });
    occurred.insertBefore(shown, occurred.querySelector(".problem"));
    const reasons = el("details", {}, el("summary", {}, `confidence ${candidate.confidence.toFixed(2)}`),
      el("ul", {}, ...candidate.reasons.map((r) => el("li", {}, r))));
    const reason = el("div", { class: "reject", hidden: true },
      field("reason", "reason", ""), el("button", { type: "button", "data-action": "confirm-reject" }, "Confirm reject"));
    const card = el("article", { class: "candidate", tabindex: -1, "data-index": index, "data-candidate": candidate.candidate_id },
      el("h3", {}, `${index + 1}. ${candidate.type}`),
      el("blockquote", {}, candidate.evidence.sentence),
      candidate.already_recorded ? el("p", { class: "recorded" }, `already recorded: ${candidate.already_recorded}`) : "",
      reasons,
      el("form", { class: "edit" },
        select("type", "type", draft.type, Object.keys(item.details_by_type)),
        occurred,
        field("regions: subjects (codes, comma-separated)", "regions", draft.regions.join(", ")),
        field("participants (codes: spoke, reported or attended)", "participants", (draft.participants || []).join(", ")),
        field("issuers (codes: issued or awarded it)", "issuers", (draft.issuers || []).join(", ")),
        field("add a region (search)", "", "", { list: "region-list" }),
        select("… as", "", "regions", ["regions", "participants", "issuers"]),
        field("programmes (comma-separated)", "programmes", draft.programmes.join(", "), { list: "programme-list" }),
        field("title (zh)", "title.zh", draft.title.zh),
        field("title (en)", "title.en", draft.title.en),
        field("summary (zh)", "summary.zh", draft.summary.zh, { multiline: true }),
        field("summary (en)", "summary.en", draft.summary.en, { multiline: true }),
        select("confidence", "confidence", draft.confidence, ["high", "medium", "low"]),
        typed,
        el("p", { class: "problem", "data-problem": "$" })),
      el("div", { class: "actions" },
        el("button", { type: "button", "data-action": "accept" }, "Accept (a)"),
        el("button", { type: "button", "data-action": "edit" }, "Edit (e)"),
        el("button", { type: "button", "data-action": "reject" }, "Reject (r)"),
        el("button", { type: "button", "data-action": "skip" }, "Skip (s)")),
      reason);
    const search = card.querySelector('input[list="region-list"]');
    // Search as you type over the whole gazetteer (GET /regions?q=), not only a first page.
    search.addEventListener("input", () => {
      const q = search.value.trim();
      if (!q || /\d{6}/.test(q)) return;
      fetch(`/regions?q=${encodeURIComponent(q)}&limit=20`)
        .then((r) => r.json())
        .then((found) => {
          $("#region-list").replaceChildren(...(found.regions || []).map((r) => el("option", { value: `${r.name.zh} ${r.code}` })));
        })
        .catch(() => {});
    });
    search.addEventListener("change", () => {
      const code = (/(\d{6})/.exec(search.value) || [])[1];
      if (!code) return;
      const role = card.querySelector('select[data-path=""]').value;
      const regionsInput = card.querySelector(`[data-path="${role}"]`);
      const codes = regionsInput.value.split(",").map((s) => s.trim()).filter(Boolean);
      if (!codes.includes(code)) codes.push(code);
      regionsInput.value = codes.join(", ");
      search.value = "";
    });
    card.querySelector('select[data-path="type"]').addEventListener("change", (e) => {
      // Another type: keep what every milestone has, swap in the new type's own fields.
      const type = e.target.value;
      const common = Object.fromEntries(Object.entries(item.draft).filter(([key]) => COMMON.includes(key)));
      item.draft = { ...common, ...item.details_by_type[type], type };
      typed.replaceChildren(...typeFields(item.draft));
    });
    card.addEventListener("click", (e) => {
      const action = e.target.closest("[data-action]");
      // Clicking into a field selects its card without taking the focus from the field.
      focusCard(Number(card.getAttribute("data-index")), !e.target.closest("input, textarea, select"));
      if (action) act(action.getAttribute("data-action"));
    });
    return card;
  }

  function cards() { return [...document.querySelectorAll("article.candidate")]; }

  function focusCard(index, focus = true) {
    const all = cards();
    if (!all.length) return;
    state.current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((card, i) => card.classList.toggle("current", i === state.current));
    const card = all[state.current];
    if (focus) card.focus({ preventScroll: false });
    document.querySelectorAll("mark.current").forEach((m) => m.classList.remove("current"));
    const id = card.getAttribute("data-candidate");
    for (const mark of document.querySelectorAll("mark[data-candidates]")) {
      if (mark.getAttribute("data-candidates").split(" ").includes(id)) {
        mark.classList.add("current");
        mark.scrollIntoView({ block: "nearest" });
      }
    }
  }

  function edited(card, draft) {
    const event = JSON.parse(JSON.stringify(draft));
    for (const input of card.querySelectorAll("form.edit [data-path]")) {
      const path = input.getAttribute("data-path");
      if (!path) continue;
      let value = input.value;
      if (LISTS.includes(path)) value = value.split(",").map((s) => s.trim()).filter(Boolean);
      else if (input.type === "number") value = value === "" ? null : Number(value);
      const keys = path.split(".");
      let target = event;
      for (const key of keys.slice(0, -1)) target = target[key];
      const last = keys[keys.length - 1];
      if (value === "" && !["zh", "en"].includes(last) && typeof draft[last] !== "string") delete target[last];
      else target[last] = value;
    }
    if (event.document_number === "") delete event.document_number;
    return event;
  }

  function slotFor(card, path) {
    // The most specific field the problem's JSON path names: `$.title.en`, else `$.title`...
    let p = path.replace(/^\$\.?/, "");
    while (p) {
      const slot = card.querySelector(`[data-problem="${CSS.escape(p)}"]`);
      if (slot) return slot;
      p = /\[\d+\]$/.test(p) ? p.replace(/\[\d+\]$/, "") : p.includes(".") ? p.slice(0, p.lastIndexOf(".")) : "";
    }
    return card.querySelector('[data-problem="$"]');
  }

  function showProblems(card, errors) {
    card.querySelectorAll(".problem").forEach((p) => { p.textContent = ""; });
    for (const error of errors) slotFor(card, error.path).textContent = error.message;
  }

  function done(card, message) {
    const id = card.getAttribute("data-candidate");
    state.items = state.items.filter((item) => item.candidate.candidate_id !== id);
    for (const mark of document.querySelectorAll("mark[data-candidates]")) {
      const left = mark.getAttribute("data-candidates").split(" ").filter((c) => c !== id);
      if (left.length) mark.setAttribute("data-candidates", left.join(" "));
      else mark.replaceWith(document.createTextNode(mark.textContent));
    }
    const index = state.current;
    card.remove();
    cards().forEach((c, i) => c.setAttribute("data-index", i));
    say(message);
    focusCard(index);
  }

  async function act(action) {
    const card = cards()[state.current];
    if (!card) return;
    const item = state.items.find((i) => i.candidate.candidate_id === card.getAttribute("data-candidate"));
    const base = `/sources/${encodeURIComponent(state.source)}/candidates/${item.candidate.candidate_id}`;
    if (action === "edit") { card.querySelector('[data-path="occurred"]').focus(); return; }
    if (action === "skip") { focusCard(state.current + 1); return; }
    if (action === "reject") {
      const box = card.querySelector(".reject");
      box.hidden = false;
      box.querySelector("input").focus();
      return;
    }
    if (action === "confirm-reject") {
      const reason = card.querySelector('.reject [data-path="reason"]').value.trim();
      const { status, data } = await call("POST", `${base}/reject`, { reason });
      if (status === 201) done(card, `Rejected: ${item.candidate.title_zh}`);
      else showProblems(card, (data && data.errors) || [{ path: "$.reason", message: (data && data.detail) || `error ${status}` }]);
      return;
    }
    if (action === "accept") {
      const { status, data } = await call("POST", `${base}/accept`, edited(card, item.draft));
      if (status === 201) done(card, `Accepted: ${data.urls[0]}`);
      else showProblems(card, (data && data.errors) || [{ path: "$", message: (data && data.detail) || `error ${status}` }]);
    }
  }

  document.addEventListener("keydown", (e) => {
    if ($("#review").hidden || e.ctrlKey || e.metaKey || e.altKey) return;
    const typing = e.target.closest && e.target.closest("input, textarea, select");
    if (typing) {
      if (e.key === "Escape") { e.target.blur(); focusCard(state.current); }
      else if (e.key === "Enter" && e.target.closest(".reject")) { e.preventDefault(); act("confirm-reject"); }
      return;
    }
    const actions = { j: () => focusCard(state.current + 1), k: () => focusCard(state.current - 1),
      a: () => act("accept"), e: () => act("edit"), r: () => act("reject"), s: () => act("skip") };
    if (actions[e.key]) { e.preventDefault(); actions[e.key](); }
  });

  async function load() {
    $("#login").hidden = true;
    $("#pick").hidden = true;
    say("Loading…");
    const { status, data } = await call("GET", `/sources/${encodeURIComponent(state.source)}/candidates`);
    if (status !== 200) { say((data && data.detail) || `error ${status}`); return; }
    state.items = data.candidates;
    const text = await (await fetch(`/sources/${encodeURIComponent(state.source)}/text`)).json();
    renderDocument(text.paragraphs);
    $("#candidates").replaceChildren(...state.items.map(renderCard));
    $("#review").hidden = false;
    say(`${state.items.length} candidate(s) to review.`);
    focusCard(0);
    fillLists();
  }

  async function fillLists() {
    const [regions, programmes] = await Promise.all([fetch("/regions"), fetch("/programmes")].map((p) => p.then((r) => r.json())));
    $("#region-list").replaceChildren(...(regions.regions || []).map((r) => el("option", { value: `${r.name.zh} ${r.code}` })));  // refined by typing
    $("#programme-list").replaceChildren(...(programmes.programmes || []).map((p) => el("option", { value: p.slug }, p.name.zh)));
  }

  async function pick() {
    const sources = await (await fetch("/sources")).json();
    const archived = sources.sources.filter((s) => s.text_url);
    $("#source").replaceChildren(...archived.map((s) => el("option", { value: s.id }, `${s.id} · ${s.title.zh}`)));
    $("#pick").hidden = false;
    $("#source").focus();
  }

  $("#login").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("#token").value.trim();
    sessionStorage.setItem(KEY, state.token);
    $("#token").value = "";
    (state.source ? load() : pick()).catch(() => {});
  });
  $("#pick").addEventListener("submit", (e) => {
    e.preventDefault();
    state.source = $("#source").value;
    history.replaceState(null, "", `?source=${encodeURIComponent(state.source)}`);
    load().catch(() => {});
  });

  state.source = new URLSearchParams(location.search).get("source");
  if (!state.token) showLogin("");
  else (state.source ? load() : pick()).catch(() => {});
})();
