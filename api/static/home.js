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

  // The server renders the picker; refresh it from GET /regions so it names regions in the
  // chosen language and lists any region added since.
  let regions = [];
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

  fetch("/regions", { headers: { Accept: "application/json" } })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(String(res.status)))))
    .then((data) => {
      const list = Array.isArray(data) ? data : data.regions || data.items || [];
      regions = list.filter((r) => r && r.code);
      fillRegions();
    })
    .catch(() => {}); // the server-rendered list stays
})();
