// funnelpact: the dashboard's charts (Chart.js, vendored), live countdowns, upload progress.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var palette = { brand: "#3b5bdb", band: "rgba(59,91,219,.12)", ok: "#1f7a4d", warn: "#e8590c", grey: "#98a2b3" };

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function charts() {
    var data = json("chart-data");
    if (!data || typeof Chart === "undefined") return;
    var t = json("chart-labels") || {};
    var pct = function (v) { return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(v) + " %"; };
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.maintainAspectRatio = false;
    var days = data.pacing.days.map(function (d) {
      return new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" }).format(new Date(d + "T12:00:00"));
    });
    new Chart(document.getElementById("chart-pacing"), {
      type: "line",
      data: { labels: days, datasets: [
        { label: t.band, data: data.pacing.high, borderWidth: 0, pointRadius: 0, fill: "+1", backgroundColor: palette.band },
        { label: t.low, data: data.pacing.low, borderWidth: 0, pointRadius: 0, fill: false },
        { label: t.target, data: data.pacing.expected, borderColor: palette.grey, borderDash: [6, 4], pointRadius: 0, fill: false },
        { label: t.actual, data: data.pacing.actual, borderColor: palette.brand, backgroundColor: palette.brand, pointRadius: 2, tension: .2, fill: false }
      ] },
      options: { interaction: { mode: "index", intersect: false }, plugins: { legend: { labels: { filter: function (i, d) { return i.text !== t.low && d.datasets[i.datasetIndex].data.length > 0; } } } }, scales: { y: { beginAtZero: true } } }
    });
    new Chart(document.getElementById("chart-funnel"), {
      type: "bar",
      data: { labels: data.funnel.labels.slice(0, data.funnel.actual.length), datasets: [
        { label: t.actual, data: data.funnel.actual, backgroundColor: palette.brand },
        { label: t.planned, data: data.funnel.planned, backgroundColor: palette.grey }
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { callback: pct } } } }
    });
    new Chart(document.getElementById("chart-speed"), {
      type: "bar",
      data: { labels: data.speed.labels, datasets: [{ label: t.leads, data: data.speed.counts, backgroundColor: data.speed.labels.map(function (l, i) { return i < 5 ? palette.ok : palette.warn; }) }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
    });
    new Chart(document.getElementById("chart-reps"), {
      type: "bar",
      data: { labels: data.by_rep.labels, datasets: [{ label: t.share, data: data.by_rep.shares, backgroundColor: palette.brand }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100, ticks: { callback: pct } } } }
    });
  }

  function planChart() {
    var data = json("plan-data");
    var canvas = document.getElementById("chart-plan");
    if (!data || !canvas || typeof Chart === "undefined") return;
    Chart.defaults.maintainAspectRatio = false;
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ data: data.needed, backgroundColor: palette.brand, borderRadius: 4 }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } }
    });
  }

  function countdowns() {
    var nodes = document.querySelectorAll("time.countdown");
    if (!nodes.length) return;
    var rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    function tick() {
      var now = Date.now();
      nodes.forEach(function (node) {
        var left = (Date.parse(node.getAttribute("datetime")) - now) / 1000;
        var abs = Math.abs(left);
        var text = abs < 3600 ? rtf.format(Math.round(left / 60), "minute")
          : abs < 172800 ? rtf.format(Math.round(left / 3600), "hour") : rtf.format(Math.round(left / 86400), "day");
        node.textContent = text;
        node.classList.toggle("late", left < 0);
        node.classList.toggle("soon", left >= 0 && left < 4 * 3600);
      });
    }
    tick();
    setInterval(tick, 30000);
  }

  function uploads() {
    document.body.addEventListener("htmx:xhr:progress", function (event) {
      var bar = document.getElementById("upload-progress");
      if (bar && event.detail.lengthComputable) bar.value = Math.round(100 * event.detail.loaded / event.detail.total);
    });
  }

  // No inline handlers (the CSP forbids them): selects marked data-submit-on-change submit their form.
  function autoSubmit() {
    document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { charts(); planChart(); countdowns(); uploads(); autoSubmit(); });
})();
