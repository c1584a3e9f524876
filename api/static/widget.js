/*! reform-timeline widget | MIT | no dependencies, talks only to the origin it was loaded from */
// Embed:
//   <div class="reform-timeline" data-region="140781" data-lang="zh"></div>
//   <script src="https://HOST/widget.js" async></script>
// Options (data- attributes on the host element): region | programme, lang (zh|en),
// programmes, types, roles (comma lists), descendants (true, the default | false), limit (1-500),
// order (newest, the default | oldest), max-height (pixels or a CSS length: the list scrolls
// inside), compact (true: date and title only), theme (light|dark|auto),
// live ("true": keep it open on the service's event stream).
// Theming: set --rt-accent, --rt-bg, --rt-fg, --rt-muted, --rt-border, --rt-focus, --rt-font,
// --rt-font-size, --rt-radius on the host element; they inherit into the shadow root.
// Strict-CSP safe: no eval, no innerHTML, no style attributes, no <style> elements (one
// constructed stylesheet is adopted by every shadow root).
(() => {
  "use strict";

  const VERSION = "1.0.0";
  if (window.ReformTimeline && window.ReformTimeline.version) {
    window.ReformTimeline.scan();
    return;
  }

  // The script's own origin is the only host it ever talks to.
  const script =
    document.currentScript ||
    [...document.scripts].find((s) => /\/widget\.js([?#]|$)/.test(s.src));
  const ORIGIN = script && script.src ? new URL(script.src, location.href).origin : location.origin;

  const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const TEXT = {
    zh: {
      name: "改革时间线",
      loading: "正在加载…",
      error: "时间线暂时无法加载。",
      retry: "重试",
      more: "加载更多",
      empty: "暂无记录。",
      loaded: (n) => `已显示 ${n} 条`,
      by: "不晚于",
      reported: "报道于",
      after: "不早于",
      to: "至",
      approx: "约",
      corrected: "已更正",
      sources: "来源：",
      quote: "原文：",
      sep: "、",
      credit: "数据：改革时间线",
    },
    en: {
      name: "Reform timeline",
      loading: "Loading…",
      error: "The timeline could not be loaded.",
      retry: "Try again",
      more: "Load more",
      empty: "Nothing recorded yet.",
      loaded: (n) => `${n} shown`,
      by: "by ",
      reported: "reported ",
      after: "not before ",
      to: " – ",
      approx: "c. ",
      corrected: "corrected",
      sources: "Sources: ",
      quote: "Source sentence: ",
      sep: ", ",
      credit: "Data: reform timeline",
    },
  };

  const CSS = `
:host{display:block}
.rt{all:initial;display:block;box-sizing:border-box;max-width:100%;overflow-wrap:anywhere;
--a:var(--rt-accent,#0a5fb4);--bg:var(--rt-bg,#fff);--fg:var(--rt-fg,#1c2330);
--mu:var(--rt-muted,#566070);--bd:var(--rt-border,#d5dae2);--fo:var(--rt-focus,var(--a));
background:var(--bg);color:var(--fg);border:1px solid var(--bd);border-radius:var(--rt-radius,8px);
padding:16px;font:var(--rt-font-size,15px)/1.55 var(--rt-font,system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif);text-align:start}
.dark{--a:var(--rt-accent,#7cb8ff);--bg:var(--rt-bg,#14181f);--fg:var(--rt-fg,#e7eaf0);
--mu:var(--rt-muted,#a3adbd);--bd:var(--rt-border,#333b48)}
@media (prefers-color-scheme:dark){.auto{--a:var(--rt-accent,#7cb8ff);--bg:var(--rt-bg,#14181f);
--fg:var(--rt-fg,#e7eaf0);--mu:var(--rt-muted,#a3adbd);--bd:var(--rt-border,#333b48)}}
*,::before,::after{box-sizing:border-box}
[hidden]{display:none!important}
header{margin:0 0 12px}
.name{margin:0;font-size:1.15em;font-weight:700}
.sub,.meta,.src,.status,footer{color:var(--mu);font-size:.875em}
.sub{margin:0}
ol{list-style:none;margin:0;padding:0}
li{position:relative;margin:0;padding:0 0 16px 24px}
li::before,li::after{content:"";position:absolute}
li::before{z-index:1;left:0;top:.45em;width:12px;height:12px;border-radius:50%;
background:var(--bg);border:3px solid var(--a)}
li::after{left:5px;top:0;bottom:0;width:2px;background:var(--bd)}
li:last-child::after{bottom:auto;height:1em}
li:focus{outline:3px solid var(--fo);outline-offset:2px;border-radius:3px}
.scroll{overflow-y:auto;overscroll-behavior:contain;padding:4px}
.compact li{padding-bottom:8px}
.compact .summary,.compact .src,.compact .meta{display:none}
.compact .title{font-weight:600}
.when{margin:0;font-weight:600;color:var(--a)}
.type{display:inline-block;margin-inline-start:.5em;padding:0 .45em;border:1px solid var(--bd);
border-radius:999px;font-size:.78em;font-weight:500;color:var(--mu);vertical-align:.1em}
.title{margin:2px 0;font-weight:700}
.summary{margin:2px 0}
.meta,.src,.quote{margin:2px 0}
.flag{color:var(--fg);font-weight:600}
.retracted .title{text-decoration:line-through}
a{color:var(--a);text-decoration:underline;text-underline-offset:2px}
a:focus-visible,button:focus-visible{outline:3px solid var(--fo);outline-offset:2px;border-radius:3px}
button{font:inherit;color:var(--bg);background:var(--a);border:0;border-radius:6px;
padding:6px 14px;cursor:pointer;margin:4px 8px 0 0}
button:hover{filter:brightness(1.1)}
.status{margin:8px 0 0}
.err{color:var(--fg)}
footer{margin:12px 0 0}
.lanes{margin:0 0 12px;overflow-x:auto}.lanes svg{display:block;width:100%;height:auto}
@media (max-width:360px){.rt{padding:12px}}
@media (forced-colors:active){li::before{border-color:CanvasText}li::after{background:CanvasText}}
`;

  let sheet = null;
  const styleSheet = () => {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    return sheet;
  };

  // Build an element; strings become text nodes, so data is never parsed as HTML.
  const h = (tag, cls, ...kids) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    for (const kid of kids) {
      if (kid != null && kid !== false) el.append(kid); // append(string) inserts a Text node
    }
    return el;
  };

  // One EDTF date (no interval): YYYY, YYYY-MM, YYYY-MM-DD, optional time, ?/~/% qualifier.
  const ONE = /^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::\d\d)?(?:Z|[+-]\d\d:\d\d)?)?)?)?([?~%])?$/;

  const formatOne = (edtf, lang) => {
    const m = ONE.exec(edtf);
    if (!m) return null;
    const [, y, mo, d, hh, mi, q] = m;
    const t = TEXT[lang];
    const year = String(+y);
    let text;
    if (lang === "zh") {
      text = year + "年" + (mo ? +mo + "月" + (d ? +d + "日" : "") : "");
    } else {
      text = (d ? +d + " " : "") + (mo ? MONTHS[+mo - 1] + " " : "") + year;
    }
    if (hh) text += (lang === "zh" ? " " : ", ") + hh + ":" + mi;
    if (q === "~" || q === "%") text = t.approx + text;
    if (q === "?" || q === "%") text += "?";
    return { text, datetime: q ? edtf.slice(0, -1) : edtf };
  };

  // An occurred value as parts: plain strings and {text, datetime} for <time> elements.
  const dateParts = (occurred, lang) => {
    const t = TEXT[lang];
    const edtf = String((occurred && occurred.edtf) || "");
    const [a, b] = edtf.split("/");
    if (b !== undefined) {
      const start = a === ".." ? null : formatOne(a, lang);
      const end = b === ".." ? null : formatOne(b, lang);
      // Known only by the day a source reported it: say so, not a date of occurrence.
      if (!start && end && a === "..") return [t.reported, end];
      if (start && !end && b === "..") return [t.after, start];
      if (start && end) return [start, t.to, end];
    } else {
      const one = formatOne(edtf, lang);
      if (one) return [one];
    }
    // A form this version does not know: fall back to the interval the server computed.
    const lo = occurred && occurred.earliest && formatOne(occurred.earliest, lang);
    const hi = occurred && occurred.latest && formatOne(occurred.latest, lang);
    if (lo && hi) return lo.datetime === hi.datetime ? [lo] : [lo, t.to, hi];
    if (hi) return [t.by, hi];
    if (lo) return [t.after, lo];
    return [edtf];
  };

  const formatDate = (occurred, lang) =>
    dateParts(occurred, TEXT[lang] ? lang : "en")
      .map((p) => (typeof p === "string" ? p : p.text))
      .join("");

  const safeUrl = (url) => {
    try {
      const u = new URL(String(url));
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  };

  const names = (items) => (Array.isArray(items) ? items : []).map((i) => String(i.name || i.code || i.slug || "")).filter(Boolean);

  // Data strings may be written right to left or hold neutral characters: isolate each one.
  const bdi = (text) => h("bdi", "", String(text));
  const own = (tag, cls, text) => {
    const el = h(tag, cls, String(text));
    el.dir = "auto";
    return el;
  };
  const joined = (parent, items, sep) => {
    items.forEach((item, i) => parent.append(...(i ? [sep, item] : [item])));
    return parent;
  };

  const renderEntry = (e, lang) => {
    const t = TEXT[lang];
    const when = h("p", "when");
    for (const part of dateParts(e.occurred, lang)) {
      if (typeof part === "string") when.append(part);
      else {
        const time = h("time", "", part.text);
        time.dateTime = part.datetime;
        when.append(time);
      }
    }
    if (e.label) when.append(h("span", "type", String(e.label)));
    const meta = [...names(e.regions), ...names(e.programmes)].map(bdi);
    const cited = [];
    const quotes = [];
    for (const s of Array.isArray(e.sources) ? e.sources : []) {
      for (const q of Array.isArray(s.quotes) ? s.quotes : []) quotes.push(h("p", "quote", t.quote, own("q", "", String(q))));
      const label = String(s.title || s.document || "");
      if (!label) continue;
      const href = safeUrl(s.url);
      const title = href ? h("a", "", bdi(label)) : bdi(label);
      if (href) {
        title.href = href;
        title.target = "_blank";
        title.rel = "noopener noreferrer";
      }
      // Each document once, with every place cited in it: "Title (Publisher, p. 2, p. 5)".
      const about = [s.publisher, ...(Array.isArray(s.locators) ? s.locators : [])].filter(Boolean).map(bdi);
      cited.push(about.length ? h("span", "", title, " (", joined(h("span"), about, t.sep), ")") : title);
    }
    const li = h(
      "li",
      e.retracted ? "retracted" : "",
      when,
      own("p", "title", e.title || ""),
      e.summary ? own("p", "summary", e.summary) : null,
      meta.length || e.corrected
        ? h("p", "meta", joined(h("span"), meta, t.sep), e.corrected ? h("span", "flag", (meta.length ? " · " : "") + t.corrected) : null)
        : null,
      cited.length ? joined(h("p", "src", t.sources), cited, t.sep) : null,
      ...quotes
    );
    li.tabIndex = -1; // focus target after "load more"
    li.dataset.id = String(e.id || ""); // live updates find an entry by id and slot new ones in
    if (e.sort_key) li.dataset.sortKey = String(e.sort_key);
    return li;
  };

  const splitList = (value) => (value || "").split(",").map((s) => s.trim()).filter(Boolean).join(",");

  const options = (el) => {
    const d = el.dataset;
    const docLang = (document.documentElement.lang || "").toLowerCase();
    const lang = d.lang === "zh" || d.lang === "en" ? d.lang : docLang.startsWith("zh") ? "zh" : "en";
    const theme = ["light", "dark", "auto"].includes(d.theme) ? d.theme : "light";
    const height = /^\d+$/.test(d.maxHeight || "") ? d.maxHeight + "px" : d.maxHeight;
    const maxHeight = height && !/[;{}]/.test(height) && window.CSS.supports("max-height", height) ? height : null;
    const path = d.region
      ? "/widget/regions/" + encodeURIComponent(d.region.trim()) + ".json"
      : d.programme
        ? "/widget/programmes/" + encodeURIComponent(d.programme.trim()) + ".json"
        : null;
    const query = { lang };
    if (splitList(d.types)) query.types = splitList(d.types);
    if (splitList(d.programmes)) query.programmes = splitList(d.programmes);
    if (splitList(d.roles)) query.roles = splitList(d.roles);
    if (d.descendants === "false" || d.descendants === "true") query.descendants = d.descendants;
    if (d.order === "oldest" || d.order === "newest") query.order = d.order;
    const limit = parseInt(d.limit, 10);
    if (limit > 0) query.limit = String(Math.min(limit, 500));
    return { lang, theme, path, query, maxHeight, compact: d.compact === "true" || d.compact === "", live: d.live === "true" };
  };

  // data-view="lanes": the service's status picture (lanes.svg) above the list, drawn inline
  // so a strict host CSP (connect-src only, no img-src) still shows it, with its <title>/<desc>.
  const lanesFigure = (el, lang) => {
    const d = el.dataset;
    const key = (d.region || d.programme || "").trim();
    if (d.view !== "lanes" || !key) return null;
    const url = new URL(`/${d.region ? "regions" : "programmes"}/${encodeURIComponent(key)}/lanes.svg`, ORIGIN);
    url.searchParams.set("lang", lang);
    if (d.region && splitList(d.programmes)) url.searchParams.set("programmes", splitList(d.programmes));
    if (d.region && splitList(d.roles)) url.searchParams.set("roles", splitList(d.roles));
    const figure = h("figure", "lanes");
    fetch(url.href, { credentials: "omit", mode: "cors" })
      .then((res) => (res.ok ? res.text() : Promise.reject(new Error(String(res.status)))))
      .then((text) => {
        const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
        if (svg.nodeName !== "svg") throw new Error("not SVG");
        for (const bad of svg.querySelectorAll("script,foreignObject")) bad.remove();
        figure.append(document.importNode(svg, true));
      })
      .catch(() => {
        figure.hidden = true;
      });
    return figure;
  };

  const fetchPage = async (opts, cursor) => {
    const url = new URL(opts.path, ORIGIN);
    for (const [k, v] of Object.entries(opts.query)) url.searchParams.set(k, v);
    if (cursor) url.searchParams.set("cursor", cursor);
    const init = { credentials: "omit", mode: "cors" };
    if (window.AbortSignal && AbortSignal.timeout) init.signal = AbortSignal.timeout(20000);
    const res = await fetch(url.href, init);
    if (!res.ok) {
      // An RFC 9457 problem says what is wrong with the page's options: keep its detail.
      const problem = await res.json().catch(() => null);
      const err = new Error(String((problem && (problem.detail || problem.title)) || "HTTP " + res.status));
      err.status = res.status;
      throw err;
    }
    const data = await res.json();
    if (!data || !Array.isArray(data.entries)) throw new Error("unexpected payload");
    return data;
  };

  // ---- Live updates (data-live="true") ---------------------------------------------------
  // Kept apart from the rest of the script. The widget listens to its region's (or programme's)
  // event stream from the position its first page reflects: additions slide in at their place
  // in date order, corrections replace the entry, retractions strike it through; a polite
  // aria-live region announces each. While the page is hidden the stream is closed, and it
  // resumes after the last position seen (a reconnecting EventSource sends Last-Event-ID).
  const LIVE_TEXT = {
    zh: { added: "新增：", corrected: "已更正：", retracted: "已撤回：" },
    en: { added: "New: ", corrected: "Corrected: ", retracted: "Retracted: " },
  };
  const LIVE_CSS = `
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
li.new{animation:rt-in .6s ease-out}
@keyframes rt-in{from{opacity:0;transform:translateY(-8px)}}
@media (prefers-reduced-motion:reduce){li.new{animation:none}}
`;
  let liveSheet = null;

  class Live {
    constructor(w, after) {
      this.w = w;
      this.last = after;
      this.es = null;
      const d = w.el.dataset;
      const path = d.region
        ? "/regions/" + encodeURIComponent(d.region.trim()) + "/stream"
        : "/programmes/" + encodeURIComponent(d.programme.trim()) + "/stream";
      this.url = new URL(path, ORIGIN);
      const query = { ...w.opts.query };
      this.newest = query.order !== "oldest"; // the widget's default: newest first
      delete query.limit;
      delete query.order;
      for (const [k, v] of Object.entries(query)) this.url.searchParams.set(k, v);
      if ("adoptedStyleSheets" in w.root) {
        if (!liveSheet) {
          liveSheet = new CSSStyleSheet();
          liveSheet.replaceSync(LIVE_CSS);
        }
        w.root.adoptedStyleSheets = [...w.root.adoptedStyleSheets, liveSheet];
      }
      this.say = h("p", "sr");
      this.say.setAttribute("aria-live", "polite");
      w.frame.append(this.say);
      this.onVisibility = () => (document.hidden ? this.pause() : this.resume());
      document.addEventListener("visibilitychange", this.onVisibility);
      if (!document.hidden) this.resume();
    }

    resume() {
      if (this.es) return;
      const url = new URL(this.url.href);
      url.searchParams.set("after", String(this.last));
      this.es = new EventSource(url.href);
      for (const kind of ["added", "corrected", "retracted"]) {
        this.es.addEventListener(kind, (ev) => this.apply(kind, ev));
      }
    }

    pause() {
      if (this.es) this.es.close();
      this.es = null;
    }

    stop() {
      this.pause();
      document.removeEventListener("visibilitychange", this.onVisibility);
    }

    apply(kind, ev) {
      const id = parseInt(ev.lastEventId, 10);
      if (id > this.last) this.last = id;
      let e;
      try {
        e = JSON.parse(ev.data);
      } catch (err) {
        return;
      }
      const w = this.w;
      const lang = w.opts.lang;
      const li = renderEntry(e, lang);
      const old = [...w.list.children].find((x) => x.dataset.id === li.dataset.id);
      if (old && old.dataset.sortKey === li.dataset.sortKey) old.replaceWith(li);
      else if (old) {
        old.remove();
        if (!this.place(li)) w.count--;
      } else if (kind === "retracted" || !this.place(li)) return; // not shown in this view
      else {
        li.classList.add("new");
        w.count++;
      }
      w.list.hidden = w.count === 0;
      w.status.textContent = w.count === 0 ? w.t.empty : w.t.loaded(w.count);
      this.say.textContent = LIVE_TEXT[lang][kind] + String(e.title || "");
    }

    // Insert in the list's order; false when the entry belongs after a page not loaded yet.
    place(li) {
      const list = this.w.list;
      const key = li.dataset.sortKey || "";
      const after = (x) => (this.newest ? (x.dataset.sortKey || "") < key : (x.dataset.sortKey || "") > key);
      const next = [...list.children].find(after);
      if (next) list.insertBefore(li, next);
      else if (this.w.cursor) return false;
      else list.append(li);
      return true;
    }
  }
  // ---- end of live updates ------------------------------------------------------------------

  const widgets = new WeakMap();

  class Widget {
    constructor(el) {
      this.el = el;
      this.root = el.shadowRoot || el.attachShadow({ mode: "open" });
      this.generation = 0;
    }

    // (Re)build the frame from the element's current data- attributes and load the first page.
    start() {
      const o = (this.opts = options(this.el));
      const t = (this.t = TEXT[o.lang]);
      this.generation++;
      if (this.live) this.live.stop();
      this.live = null;
      this.count = 0;
      this.cursor = null;
      this.name = h("p", "name", t.name);
      this.name.dir = "auto";
      this.sub = h("p", "sub", t.name);
      this.sub.hidden = true;
      this.list = h("ol");
      this.status = h("p", "status", t.loading);
      this.status.setAttribute("role", "status");
      this.more = h("button", "", t.more);
      this.more.type = "button";
      this.more.hidden = true;
      this.more.addEventListener("click", () => this.load(true));
      this.retry = h("button", "", t.retry);
      this.retry.type = "button";
      this.retry.hidden = true;
      this.retry.addEventListener("click", () => this.load(this.count > 0));
      const credit = h("a", "", t.credit);
      credit.href = ORIGIN + "/";
      credit.target = "_blank";
      credit.rel = "noopener";
      this.frame = h("section", "rt " + o.theme + (o.compact ? " compact" : ""), h("header", "", this.name, this.sub), lanesFigure(this.el, o.lang), this.list, this.status, this.more, this.retry, h("footer", "", credit));
      // The shared sheet, plus one of its own for a height: strict CSPs refuse style attributes.
      const sheets = [styleSheet()];
      if (o.maxHeight) {
        this.list.className = "scroll";
        this.list.tabIndex = 0; // a scrolling region must be reachable by keyboard
        sheets.push(new CSSStyleSheet());
        sheets[1].replaceSync(".scroll{max-height:" + o.maxHeight + "}");
      }
      if ("adoptedStyleSheets" in this.root) this.root.adoptedStyleSheets = sheets;
      this.frame.lang = o.lang === "zh" ? "zh-CN" : "en";
      this.frame.setAttribute("aria-label", t.name);
      this.list.hidden = true;
      this.root.replaceChildren(this.frame);
      if (!o.path) return Promise.resolve(this.fail(new Error("no data-region")));
      const gen = this.generation;
      return this.load(false).then((ok) => {
        if (ok && o.live && gen === this.generation) this.live = new Live(this, this.basis || 0);
        return ok;
      });
    }

    // Never rejects: a failure becomes a message inside the widget.
    async load(next) {
      const gen = this.generation;
      const t = this.t;
      this.more.hidden = this.retry.hidden = true;
      this.status.className = "status";
      this.status.textContent = t.loading;
      try {
        const data = await fetchPage(this.opts, next ? this.cursor : null);
        if (gen !== this.generation) return false; // re-mounted meanwhile
        this.render(data, next);
        return true;
      } catch (err) {
        if (gen === this.generation) this.fail(err);
        return false;
      }
    }

    render(data, next) {
      const t = this.t;
      const title = data.region || data.programme;
      if (title && title.name) {
        this.name.textContent = String(title.name);
        this.sub.textContent = t.name;
        this.sub.hidden = false;
        this.frame.setAttribute("aria-label", title.name + " · " + t.name);
      }
      const fragment = document.createDocumentFragment();
      for (const e of data.entries) fragment.append(renderEntry(e, this.opts.lang));
      const first = fragment.firstChild;
      this.list.append(fragment);
      this.count += data.entries.length;
      this.list.hidden = this.count === 0;
      this.cursor = data.next_cursor || null;
      if (!next) this.basis = data.basis && data.basis.position; // the log position the page reflects
      this.more.hidden = !this.cursor;
      this.status.textContent = this.count === 0 ? t.empty : t.loaded(this.count);
      if (next && first) first.focus({ preventScroll: true });
    }

    fail(err) {
      const message = String((err && err.message) || err);
      // A 4xx is the page's own mistake (unknown region, bad data-types): retrying cannot help,
      // so the page owner gets the service's explanation instead of a button.
      const refused = err && err.status >= 400 && err.status < 500;
      this.status.className = "status err";
      this.status.textContent = this.t.error;
      if (refused) {
        this.status.append(" ", own("span", "detail", message));
        console.warn("reform-timeline: " + message);
      }
      this.retry.hidden = !this.opts.path || refused;
      this.el.setAttribute("data-rt-error", message);
      return false;
    }
  }

  // Render a host element (or re-render it after its data- attributes changed).
  // Returns a promise that resolves to true once the first page shows, false on failure.
  const mount = (el) => {
    try {
      let w = widgets.get(el);
      if (!w) {
        w = new Widget(el);
        widgets.set(el, w);
      }
      el.removeAttribute("data-rt-error");
      return w.start().catch(() => false);
    } catch (err) {
      return Promise.resolve(false); // e.g. an element that cannot host a shadow root
    }
  };

  const scan = () => {
    for (const el of document.querySelectorAll(".reform-timeline")) {
      if (!widgets.has(el)) mount(el);
    }
  };

  Object.defineProperty(window, "ReformTimeline", {
    value: Object.freeze({ version: VERSION, origin: ORIGIN, mount, scan, formatDate }),
    configurable: false,
    writable: false,
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan, { once: true });
  scan();
})();
