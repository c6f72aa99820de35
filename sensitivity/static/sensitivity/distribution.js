// The codes given per month and category, drawn with uPlot (as ratings/trend.js draws its
// trends) from the JSON the page embeds with json_script. The table under the chart carries
// the same numbers for screen readers; every word shown comes from the page, as text only.
import uPlot from "../vendor/uplot/uPlot.esm.js";

const HEIGHT = 240;
const COLORS = {
  positive: ["--success", "#157347"],
  expected: ["--warning", "#9a5b00"],
  negative: ["--danger", "#b42318"],
};
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

function color([name, fallback]) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

// A month is its first day at UTC midnight, shown in UTC, so no viewer sees the month before.
const monthToSeconds = (month) => Date.parse(month) / 1000;
const months = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const monthName = (seconds) => months.format(new Date(seconds * 1000));

function draw(root) {
  const data = JSON.parse(document.getElementById(root.dataset.distribution).textContent);
  const muted = color(["--text-muted", "#5b6576"]);
  const grid = { stroke: color(["--border", "#dde2ea"]), width: 1 };
  const xs = data.months.map(monthToSeconds);
  const options = {
    width: root.clientWidth,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
    series: [
      { label: root.dataset.labelMonth, value: (_u, ts) => (ts == null ? "–" : monthName(ts)) },
      ...data.series.map((series) => ({
        label: series.label,
        stroke: color(COLORS[series.category]),
        width: 2,
        points: { size: 6 },
        value: (_u, v) => (v == null ? "–" : String(v)),
      })),
    ],
    axes: [
      { stroke: muted, grid, splits: () => xs, values: (_u, splits) => splits.map(monthName) },
      { stroke: muted, grid, incrs: WHOLE },
    ],
  };
  const chart = new uPlot(options, [xs, ...data.series.map((s) => s.counts)], root);
  new ResizeObserver(() => {
    if (root.clientWidth && root.clientWidth !== chart.width) {
      chart.setSize({ width: root.clientWidth, height: HEIGHT });
    }
  }).observe(root);
}

for (const root of document.querySelectorAll("[data-distribution]")) {
  draw(root);
}
