// Home page: pick a region, language and theme; the demo widget and the snippet follow.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const demo = $("demo");
  const region = $("region");
  const lang = $("lang");
  const theme = $("theme");
  const snippet = $("snippet");
  const iframeSnippet = $("iframe-snippet");
  const origin = location.origin;

  const label = (r, l) => {
    const name = r.name && typeof r.name === "object" ? r.name[l] || r.name.en : r.name;
    return name ? `${name} (${r.code})` : r.code;
  };

  // The server renders the regions around the chosen one (names in both languages on each
  // option); the search box asks GET /regions for any other division, by name, pinyin or code.
  let regions = Array.from(region.options, (o) => ({ code: o.value, name: { zh: o.dataset.zh, en: o.dataset.en } }));
  const fillRegions = () => {
    if (!regions.length) return;
    const current = region.value;
    const options = regions.map((r) => {
      const option = document.createElement("option");
      option.value = r.code;
      option.textContent = label(r, lang.value);
      option.selected = r.code === current;
      return option;
    });
    region.replaceChildren(...options);
  };

  const update = () => {
    demo.dataset.region = region.value;
    demo.dataset.lang = lang.value;
    demo.dataset.theme = theme.value;
    const host = `<div class="reform-timeline" data-region="${region.value}" data-lang="${lang.value}"` +
      (theme.value === "light" ? "" : ` data-theme="${theme.value}"`) + "></div>";
    snippet.textContent = `${host}\n<script src="${origin}/widget.js" async></script>`;
    iframeSnippet.textContent =
      `<iframe src="${origin}/embed/regions/${region.value}?lang=${lang.value}" ` +
      `title="${lang.value === "zh" ? "改革时间线" : "Reform timeline"}" width="100%" height="600" loading="lazy"></iframe>`;
    const params = new URLSearchParams({ region: region.value, lang: lang.value, theme: theme.value });
    history.replaceState(null, "", `?${params}`);
    if (window.ReformTimeline) window.ReformTimeline.mount(demo);
  };

  region.addEventListener("change", update);
  theme.addEventListener("change", update);
  lang.addEventListener("change", () => {
    fillRegions();
    update();
  });

  $("copy").addEventListener("click", (event) => {
    const button = event.currentTarget;
    const done = () => {
      button.textContent = button.dataset.done;
    };
    if (navigator.clipboard) navigator.clipboard.writeText(snippet.textContent).then(done, () => {});
  });

  const search = $("region-search");
  let asked = 0;
  search.addEventListener("input", () => {
    const q = search.value.trim();
    if (!q) return;
    const ticket = ++asked;
    fetch(`/regions?limit=50&q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } })
      .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
      .then((data) => {
        const found = (data.regions || []).filter((r) => r && r.code);
        if (ticket !== asked || !found.length) return; // a later search answers, or nothing matched
        const kept = regions.find((r) => r.code === region.value);
        regions = kept && !found.some((r) => r.code === kept.code) ? [kept, ...found] : found;
        fillRegions();
      })
      .catch(() => {}); // the regions shown stay
  });
})();
