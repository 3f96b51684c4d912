// The dashboard page: renders the document of /api/v1/events (schema Schemas/dashboard.schema.json) as tables and
// live uPlot charts. No framework: the page is a few tables and one chart per metric group of each job.
"use strict";

// The charts of the workloads this build knows, in order: [title with unit, metric names, log scale, absolute value].
// A workload not listed here (or a metric not named by its groups) gets one chart per numeric metric.
const WORKLOAD_CHARTS = {
  "train": [["training loss", ["loss"]]],
  "dp-train": [["training loss", ["loss"], true], ["learning rate", ["lr"], true]],
  "har-train": [["training loss", ["loss"]]],
  "nqs": [["energy (Ha)", ["energy"]], ["|E - E_ref| (Ha)", ["error"], true, true], ["variance of E_loc (Ha^2)", ["variance"], true]],
  "fci": [["energy (Ha)", ["energy"]], ["Davidson residual", ["residual"], true]],
  "md": [["temperature", ["temp"]], ["energy", ["pe", "ke", "etotal"]], ["pressure", ["press"]],
         ["imbalance (max / mean domain cost)", ["imbalance"]]],
  "sft": [["training loss", ["loss"]], ["tokens/s", ["tokensPerSecond"]]],
  "tune": [["best latency (s)", ["latency", "untuned"], true]],
  "har": [["frames/s", ["fps"]], ["latency (ms)", ["latencyMs"]]],
  "fl": [["Dice (global model, held-out volumes)", ["meanDice", "dice.*"]], ["training loss", ["loss"]],
         ["round time (s)", ["roundSeconds", "slowestLocalSeconds"]]],
};
// Bookkeeping figures, not worth a chart of their own.
// "iterations" is the x of a job that reports it (fci: Davidson iterations over every symmetry block); "iteration" counts
// within one block.
const NOT_CHARTED = new Set(["nodes", "placementChanges", "restarts", "step", "iteration", "iterations"]);
const X_TITLE = { "train": "step", "dp-train": "step", "har-train": "step", "sft": "step", "md": "step", "nqs": "iteration", "fci": "Davidson iteration (every symmetry block in turn)", "tune": "measurements", "har": "frames", "fl": "round" };
const INTEGER_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 2.5e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

const charts = new Map(); // "jobId|title" -> { plot, element }

function text(value) { return value === null || value === undefined ? "" : String(value); }
function fixed(value, digits) { return value === null || value === undefined ? "-" : Number(value).toFixed(digits); }
function figure(value) { return Number.isInteger(value) ? String(value) : Number(value).toPrecision(6); }
function mb(bytes) { return bytes === null || bytes === undefined ? "-" : (bytes / 1e6).toFixed(1); }

function cell(row, value, numeric) {
  const td = document.createElement("td");
  td.textContent = text(value);
  if (numeric) td.className = "n";
  row.appendChild(td);
}

function fillTable(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren();
  for (const values of rows) {
    const tr = document.createElement("tr");
    for (const [value, numeric] of values) cell(tr, value, numeric);
    body.appendChild(tr);
  }
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// The chart groups of a job: its workload's, then one per other numeric metric it reports. A name ending in "*" in a
// workload's group stands for every metric with that prefix (fl's dice.<institute>).
function groups(job) {
  const expand = names => names.flatMap(m => m.endsWith("*")
    ? Object.keys(job.history).filter(k => k.startsWith(m.slice(0, -1))).sort()
    : [m]);
  const known = (WORKLOAD_CHARTS[job.workload] || []).map(([title, names, ...rest]) => [title, expand(names), ...rest]);
  const named = new Set(known.flatMap(g => g[1]));
  const result = known.filter(g => g[1].some(m => job.history[m] && job.history[m].length > 0));
  for (const metric of Object.keys(job.history)) {
    if (!named.has(metric) && !NOT_CHARTED.has(metric) && job.history[metric].length > 0) result.push([metric, [metric]]);
  }
  return result;
}

// uPlot wants one x array and y arrays aligned to it: the union of the metrics' x, null where one has no point.
function aligned(job, metrics, absolute) {
  const xs = [...new Set(metrics.flatMap(m => (job.history[m] || []).map(p => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const data = [xs];
  for (const m of metrics) {
    const ys = new Array(xs.length).fill(null);
    for (const [x, y] of job.history[m] || []) ys[index.get(x)] = absolute ? Math.abs(y) : y;
    data.push(ys);
  }
  return data;
}

function renderChart(container, job, [title, metrics, log, absolute]) {
  const key = `${job.jobId}|${title}`;
  const data = aligned(job, metrics, absolute);
  let entry = charts.get(key);
  if (!entry) {
    const element = document.createElement("div");
    element.className = "chart";
    element.dataset.metric = title;
    const opts = {
      title, width: 420, height: 220,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      // A log axis spans decades: its ticks in exponent form (uPlot's default prints 1e-5 as 0).
      // x is always a count (steps, rounds, iterations, frames, measurements): whole-number ticks only.
      axes: [{ label: X_TITLE[job.workload] || "units of work done", incrs: INTEGER_INCREMENTS },
        log ? { size: 70, values: (u, ticks) => ticks.map(v => v == null ? "" : v === 0 ? "0" : v.toExponential(0)) } : { size: 70 }],
      series: [{ label: (X_TITLE[job.workload] || "done").split(" (")[0] },
        ...metrics.map((m, i) => ({ label: m, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: true }))],
    };
    entry = { element, plot: new uPlot(opts, data, element) };
    charts.set(key, entry);
  } else {
    entry.plot.setData(data);
  }
  // The last point, for whoever checks that the chart moves (the browser test reads these).
  const xs = data[0];
  entry.element.dataset.points = String(xs.length);
  entry.element.dataset.lastX = xs.length ? String(xs[xs.length - 1]) : "";
  entry.element.dataset.lastY = xs.length ? String(data[1][xs.length - 1]) : "";
  container.appendChild(entry.element);
}

function action(label, onClick) {
  const button = document.createElement("button");
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

function renderJob(job) {
  const card = document.createElement("div");
  card.className = "job";
  card.dataset.jobId = job.jobId;
  const head = document.createElement("div");
  head.className = "head";
  const span = (cls, value) => { const s = document.createElement("span"); s.className = cls; s.textContent = value; head.appendChild(s); return s; };
  span("id", job.jobId);
  span("workload", job.workload);
  span(`state state-${job.state}`, job.state);
  const bar = document.createElement("progress");
  bar.max = Math.max(1, job.total);
  bar.value = job.done;
  head.appendChild(bar);
  span("progress", `${job.done}/${job.total}` + (job.total > 0 ? ` (${(100 * job.done / job.total).toFixed(1)} %)` : ""));
  span("eta", `ETA ${duration(job.etaSeconds)}`);
  span("driver", `driver ${job.driverNode}`);
  if (job.endedUnixMs === null || job.endedUnixMs === undefined) {
    head.appendChild(action("Cancel", async () => {
      if (!confirm(`Cancel job ${job.jobId}?`)) return;
      const reply = await fetch(`/api/v1/jobs/${encodeURIComponent(job.jobId)}/cancel`, { method: "POST" });
      if (!reply.ok) alert(`cancel: ${(await reply.json()).error}`);
    }));
  }
  if (job.hasResult) {
    const link = document.createElement("a");
    link.className = "button";
    link.href = `/api/v1/jobs/${encodeURIComponent(job.jobId)}/result`;
    link.download = `${job.jobId}.json`;
    link.textContent = "Download result JSON";
    head.appendChild(link);
  }
  card.appendChild(head);
  if (job.error) {
    const error = document.createElement("div");
    error.className = "metrics";
    error.textContent = job.error;
    card.appendChild(error);
  }
  const latest = Object.entries(job.metrics);
  if (latest.length > 0) {
    const line = document.createElement("div");
    line.className = "metrics";
    line.textContent = latest.map(([k, v]) => `${k} ${figure(v)}`).join("   ");
    card.appendChild(line);
  }
  const chartBox = document.createElement("div");
  chartBox.className = "charts";
  for (const group of groups(job)) renderChart(chartBox, job, group);
  card.appendChild(chartBox);
  return card;
}

function render(doc) {
  document.getElementById("cluster").textContent =
    `host ${doc.host} · coordinator ${doc.coordinator || "?"} · ${doc.clients} client(s)` + (doc.error ? ` · ${doc.error}` : "");
  fillTable("members", doc.members.map(m => [[m.address], [m.status], [m.roles.join(",")], [m.reachable ? "yes" : "NO"],
    [fixed(m.cpuCores, 2), true], [mb(m.managedBytes), true], [mb(m.nativeBytes), true], [fixed(m.throughputItemsPerSecond, 2), true]]));
  fillTable("stages", doc.stages.map(s => [[s.job], [s.stage], [s.worker], [s.node], [s.messages, true], [fixed(s.busySeconds, 2), true],
    [s.busyFraction === null ? "-" : (100 * s.busyFraction).toFixed(1), true], [fixed(s.itemsPerSecond, 1), true], [s.mailboxDepth, true]]));
  const jobs = document.getElementById("jobs");
  const running = doc.jobs.filter(j => j.endedUnixMs === null || j.endedUnixMs === undefined);
  const ended = doc.jobs.filter(j => !(j.endedUnixMs === null || j.endedUnixMs === undefined));
  const cards = [...running, ...ended].map(renderJob);
  if (cards.length === 0) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "no jobs";
    cards.push(p);
  }
  jobs.replaceChildren(...cards);
  const shown = new Set(doc.jobs.map(j => j.jobId));
  for (const [key, entry] of charts) {
    if (!shown.has(key.split("|")[0])) { entry.plot.destroy(); charts.delete(key); }
  }
}

function connect() {
  const badge = document.getElementById("connection");
  const events = new EventSource("/api/v1/events");
  events.addEventListener("status", e => {
    badge.textContent = "live";
    badge.className = "badge live";
    render(JSON.parse(e.data));
  });
  // EventSource reconnects by itself; the badge says when the host is not answering.
  events.onerror = () => { badge.textContent = "reconnecting"; badge.className = "badge lost"; };
}

connect();
