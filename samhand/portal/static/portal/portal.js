/* Charts on the dashboard: data comes as JSON from the server (json_script), so no inline script.
   htmx.onLoad runs for the page and for every swapped-in panel. */
(function () {
  "use strict";
  // Colour-blind-safe palette (Okabe–Ito), dark enough against white.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#6B6B6B"];

  function draw(root) {
    var canvases = (root.querySelectorAll ? root : document).querySelectorAll("canvas[data-chart]");
    canvases.forEach(function (canvas) {
      if (typeof Chart === "undefined") { return; }
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var old = Chart.getChart(canvas);
      if (old) { old.destroy(); }
      new Chart(canvas, {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s, i) {
            return { label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length], stack: "t" };
          })
        },
        options: {
          animation: false, maintainAspectRatio: false,
          locale: document.documentElement.lang || "nb",
          plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
    });
  }

  // Tables that stack into cards on a phone: each cell gets its column's name (data-label).
  function label(root) {
    var tables = (root.querySelectorAll ? root : document).querySelectorAll("table.stack");
    tables.forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (!cell.hasAttribute("data-label") && heads[i] && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }

  function ready(root) { draw(root); label(root); }

  if (window.htmx) {
    htmx.onLoad(ready);
  } else {
    document.addEventListener("DOMContentLoaded", function () { ready(document); });
  }
})();
