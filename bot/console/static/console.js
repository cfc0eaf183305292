// Console behaviour without inline scripts (the Content-Security-Policy allows none):
// charts drawn from data attributes, confirmation prompts, "select all" for bulk actions.
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.source);
      if (!source) return;
      var data = JSON.parse(source.dataset.json);
      var labels = data[el.dataset.labels] || [];
      var values = data[el.dataset.values] || [];
      var kind = el.dataset.chart;
      var longest = labels.reduce(function (most, label) { return Math.max(most, String(label).length); }, 0);
      var tilt = labels.length > 6 || longest > 4 ? 30 : 0;
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 24, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: tilt } },
        yAxis: { type: "value", max: el.dataset.max ? Number(el.dataset.max) : 100 },
        series: [{ type: kind, data: values, connectNulls: true, label: { show: kind === "bar", position: "top" } }]
      });
      var zr = chart.getZr && chart.getZr();
      if (zr && zr.refreshImmediately) zr.refreshImmediately(); // paint now, not on the next frame
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function loadECharts(then) {
    if (window.echarts) return then();
    if (!document.querySelector("[data-chart]")) return;
    var script = document.createElement("script");
    script.src = "/console/static/vendor/echarts/echarts.simple.min.js";
    script.onload = then;
    document.head.appendChild(script);
  }

  function refresh(root) {
    if (root.querySelector("[data-chart]")) loadECharts(function () { drawCharts(document); });
  }

  document.addEventListener("DOMContentLoaded", function () { refresh(document); });
  document.addEventListener("htmx:afterSettle", function (event) { refresh(event.target); });

  document.addEventListener("submit", function (event) {
    var question = event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    var form = box.closest("form") || document;
    form.querySelectorAll("input[type=checkbox][name='" + box.dataset.selectAll + "']").forEach(function (item) {
      item.checked = box.checked;
    });
  });
})();
