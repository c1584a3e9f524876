// Home page explorer: the lanes of the chosen region, and a programme's map month by month.
// The month slider is a native range input (arrow keys move a month, Page Up/Down a year);
// the address keeps `programme` and `month`, so a view can be shared.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("explorer");
  if (!box) return;
  const region = $("region");
  const lang = $("lang");
  const programme = $("programme");
  const month = $("month");
  const out = $("month-out");
  const lanesImg = $("lanes-img");
  const mapImg = $("map-img");
  const [firstYear, firstMonth] = month.dataset.first.split("-").map(Number);
  let within = "";

  const monthOf = (index) => {
    const total = firstYear * 12 + firstMonth - 1 + index;
    return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
  };
  const indexOf = (text) => {
    const m = /^(\d{4})-(\d{2})$/.exec(text || "");
    if (!m) return null;
    const index = (Number(m[1]) - firstYear) * 12 + Number(m[2]) - firstMonth;
    return index >= Number(month.min) && index <= Number(month.max) ? index : null;
  };
  // The map answers "as of" the month's last day.
  const monthEnd = (text) => {
    const [y, m] = text.split("-").map(Number);
    return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  };

  const setAddress = () => {
    const params = new URLSearchParams(location.search);
    params.set("programme", programme.value);
    params.set("month", monthOf(Number(month.value)));
    history.replaceState(null, "", `?${params}`);
  };

  const snippet = (id, path) => {
    $(id).textContent = `<img src="${location.origin}${path}" alt="" width="900">`;
  };

  const drawMap = () => {
    const text = monthOf(Number(month.value));
    out.textContent = text;
    month.setAttribute("aria-valuetext", text);
    const query = new URLSearchParams({ as_of: monthEnd(text), lang: lang.value });
    if (within) query.set("within", within);
    const path = `/programmes/${encodeURIComponent(programme.value)}/map.svg?${query}`;
    mapImg.src = path;
    snippet("map-snippet", path);
    setAddress();
  };

  const drawLanes = () => {
    const path = `/regions/${encodeURIComponent(region.value)}/lanes.svg?lang=${lang.value}`;
    lanesImg.src = path;
    snippet("lanes-snippet", path);
  };

  // The map shows the chosen region's divisions, or its parent's when it has none.
  const follow = () =>
    fetch(`/regions/${encodeURIComponent(region.value)}`, { headers: { Accept: "application/json" } })
      .then((res) => (res.ok ? res.json() : null))
      .then((r) => {
        within = r ? (r.children && r.children.length ? r.code : (r.parent && r.parent.code) || r.code) : "";
      })
      .catch(() => {})
      .then(() => {
        drawLanes();
        drawMap();
      });

  const start = indexOf(new URLSearchParams(location.search).get("month"));
  if (start !== null) month.value = String(start);
  const wanted = new URLSearchParams(location.search).get("programme");
  if (wanted && [...programme.options].some((o) => o.value === wanted)) programme.value = wanted;

  // Page Up/Down move a year (a range input's own step for them is a tenth of its span).
  month.addEventListener("keydown", (event) => {
    const step = { PageUp: 12, PageDown: -12 }[event.key];
    if (!step) return;
    event.preventDefault();
    month.value = String(Math.min(Number(month.max), Math.max(Number(month.min), Number(month.value) + step)));
    drawMap();
  });
  month.addEventListener("input", drawMap);
  programme.addEventListener("change", drawMap);
  region.addEventListener("change", follow);
  lang.addEventListener("change", follow);
  follow();
})();
