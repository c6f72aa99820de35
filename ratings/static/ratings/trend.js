// Trend charts of a points score, drawn with uPlot from the score history JSON
// (GET /api/v1/organizations/<slug>/score/history). A chart's first series comes embedded
// in the page (its data-trend-history attribute), so it draws without a request;
// buttons marked data-trend-select fetch another target's series into the same chart.
// Every word shown comes from the page, already translated, and is set as text only.
import { formatDate, formatMonthDay } from "../js/formats.js";
import uPlot from "../vendor/uplot/uPlot.esm.js";

const HEIGHT = 220;
const DAY = 86400;
// Whole ratings only on the count axis: uPlot would otherwise tick at 0.5.
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
const charts = new WeakMap();
const pending = new WeakMap();

export async function fetchHistory(url, { signal } = {}) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    signal,
  });
  if (!response.ok) {
    throw new Error(`score history: HTTP ${response.status}`);
  }
  return response.json();
}

// A day is its UTC midnight: "2025-03-01" parses as UTC, and every date below is shown in
// UTC, so a viewer west of Greenwich never sees the day before.
const dayToSeconds = (day) => Date.parse(day) / 1000;

function columns(history) {
  return [
    history.map((row) => dayToSeconds(row.day)),
    history.map((row) => row.points),
    history.map((row) => row.count),
  ];
}

function color(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function options(root, data, width) {
  const utc = { timeZone: "UTC" };
  const start = dayToSeconds(data.start);
  // A one-day window would be an empty range; give it the day's width.
  const end = Math.max(dayToSeconds(data.end), start + DAY);
  const accent = color("--accent", "#2557d6");
  const muted = color("--text-muted", "#5b6576");
  const grid = { stroke: color("--border", "#dde2ea"), width: 1 };
  const { labelDay, labelPoints, labelCount } = root.dataset;
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: {
      x: { time: true, range: () => [start, end] },
      points: { range: () => [0, 100] },
      count: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
    },
    series: [
      { label: labelDay, value: (_u, ts) => (ts == null ? "–" : formatDate(ts * 1000, utc)) },
      {
        label: labelPoints,
        scale: "points",
        stroke: accent,
        fill: color("--accent-soft", "#e8eefc"),
        width: 2,
        points: { size: 5 },
        value: (_u, v) => (v == null ? "–" : v.toFixed(0)),
      },
      {
        label: labelCount,
        scale: "count",
        stroke: muted,
        width: 1,
        dash: [4, 4],
        value: (_u, v) => (v == null ? "–" : String(v)),
      },
    ],
    axes: [
      {
        stroke: muted,
        grid,
        incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY],
        values: (_u, splits) => splits.map((ts) => formatMonthDay(ts * 1000, utc)),
      },
      { scale: "points", stroke: muted, grid },
      { scale: "count", side: 1, stroke: muted, grid: { show: false }, incrs: COUNT_STEPS },
    ],
  };
}

function show(root, state) {
  root.dataset.state = state;
  for (const part of root.querySelectorAll("[data-trend-when]")) {
    part.hidden = part.dataset.trendWhen !== state;
  }
}

/** Draw `data` (the history JSON) into the [data-trend] element `root`; null when empty. */
export function drawTrend(root, data) {
  charts.get(root)?.destroy();
  charts.delete(root);
  if (!data.history.length) {
    show(root, "empty");
    return null;
  }
  show(root, "chart");
  const box = root.querySelector('[data-trend-when="chart"]');
  const chart = new uPlot(options(root, data, box.clientWidth), columns(data.history), box);
  charts.set(root, chart);
  return chart;
}

/** Fetch a history from `url` and draw it; a newer call cancels an older one in flight. */
export async function loadTrend(root, url) {
  pending.get(root)?.abort();
  const controller = new AbortController();
  pending.set(root, controller);
  root.setAttribute("aria-busy", "true");
  try {
    drawTrend(root, await fetchHistory(url, { signal: controller.signal }));
  } catch (error) {
    if (error.name !== "AbortError") {
      charts.get(root)?.destroy();
      charts.delete(root);
      show(root, "error");
    }
  } finally {
    if (pending.get(root) === controller) {
      pending.delete(root);
      root.removeAttribute("aria-busy");
    }
  }
}

function select(button) {
  const root = document.getElementById(button.getAttribute("aria-controls"));
  if (!root) {
    return;
  }
  const selector = `[data-trend-select][aria-controls="${CSS.escape(root.id)}"]`;
  for (const other of document.querySelectorAll(selector)) {
    other.setAttribute("aria-pressed", String(other === button));
  }
  const title = root.querySelector("[data-trend-title]");
  if (title) {
    title.textContent = button.dataset.trendTitle;
  }
  loadTrend(root, button.dataset.trendUrl);
}

const started = new WeakSet();

function start(container) {
  const roots = [...container.querySelectorAll("[data-trend]")];
  if (container.matches?.("[data-trend]")) {
    roots.push(container);
  }
  for (const root of roots) {
    if (started.has(root)) {
      continue;
    }
    started.add(root);
    if (root.dataset.trendHistory) {
      drawTrend(root, JSON.parse(root.dataset.trendHistory));
    }
    const box = root.querySelector('[data-trend-when="chart"]');
    new ResizeObserver(() => {
      const chart = charts.get(root);
      if (chart && box.clientWidth && box.clientWidth !== chart.width) {
        chart.setSize({ width: box.clientWidth, height: HEIGHT });
      }
    }).observe(box);
  }
}

start(document);
// A chart swapped in by htmx (the provider page's score, fetched again live) is drawn too.
document.addEventListener("htmx:load", (event) => start(event.detail.elt));

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-trend-select]");
  if (button) {
    select(button);
  }
});
