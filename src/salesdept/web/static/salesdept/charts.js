// salesdept charts: <div data-chart="ID"> is drawn with ECharts from the JSON spec that the
// server wrote with json_script (<script type="application/json" id="ID">). The spec is
// {kind: "bar"|"line", horizontal: bool, categories: [labels], series: [{name, kind, dashed, data}]};
// every label comes translated from the server, ECharts' own words follow <html lang>.
//
// Without scripts (or if drawing fails) the card shows its table. With a chart drawn, the table
// stays in the page for screen readers (visually hidden) and the card's [data-chart-toggle]
// button switches between the chart and the table.
(function () {
  "use strict";

  var lang = (document.documentElement.lang || "en").toLowerCase();
  var chinese = lang.indexOf("zh") === 0;
  var charts = [];

  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(chinese ? "zh-CN" : lang, options);
    } catch (e) {
      return new Intl.NumberFormat("en", options);
    }
  }
  var exact = numberFormat({ maximumFractionDigits: 2 });
  var compact = numberFormat({ notation: "compact", maximumFractionDigits: 1 });

  function formatValue(value) {
    return value == null || value === "-" ? "–" : exact.format(Number(value));
  }

  function option(spec) {
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisTick: { alignWithLabel: true },
      axisLabel: { hideOverlap: true },
    };
    var valueAxis = {
      type: "value",
      axisLabel: { formatter: function (v) { return compact.format(v); } },
      splitLine: { lineStyle: { type: "dashed" } },
    };
    if (!spec.horizontal && spec.categories.length <= 6) {
      categoryAxis.axisLabel.interval = 0; // a few buckets: show every label, smaller
      categoryAxis.axisLabel.hideOverlap = false;
      categoryAxis.axisLabel.fontSize = 11;
    }
    if (spec.horizontal) {
      categoryAxis.inverse = true; // the first (largest) on top
      categoryAxis.axisLabel.width = 96;
      categoryAxis.axisLabel.overflow = "truncate";
    }
    var series = spec.series.map(function (s) {
      var kind = s.kind || spec.kind || "bar";
      var out = { name: s.name, type: kind, data: s.data, emphasis: { focus: "series" } };
      if (kind === "line") {
        out.smooth = false;
        out.symbolSize = 5;
        if (s.dashed) out.lineStyle = { type: "dashed", width: 1.5 };
      } else {
        out.barMaxWidth = 28;
      }
      return out;
    });
    return {
      animationDuration: 400,
      color: ["#2563eb", "#16a34a", "#93a4c3", "#8fc9a3", "#f59e0b", "#dc2626"],
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: spec.horizontal ? "shadow" : "line" },
        valueFormatter: formatValue,
        confine: true,
      },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxis,
      series: series,
    };
  }

  function cardOf(el) {
    return el.closest("[data-chart-card]") || el.parentElement;
  }

  function draw(box) {
    if (box.dataset.chartDrawn) return;
    var source = document.getElementById(box.dataset.chart);
    if (!source || typeof window.echarts === "undefined") return;
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas", locale: chinese ? "ZH" : "EN" });
    chart.setOption(option(spec));
    box.dataset.chartDrawn = "1";
    charts.push(chart);
    var card = cardOf(box);
    var table = card.querySelector("[data-chart-table]");
    if (table) table.classList.add("visually-hidden");
    var toggle = card.querySelector("[data-chart-toggle]");
    if (toggle) {
      toggle.hidden = false;
      toggle.setAttribute("aria-pressed", "false");
    }
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (box) {
      try {
        draw(box);
      } catch (e) {
        box.hidden = true; // the table stays
        if (window.console) console.error(e);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-chart-toggle]");
    if (!toggle) return;
    var card = cardOf(toggle);
    var box = card.querySelector("[data-chart]");
    var table = card.querySelector("[data-chart-table]");
    if (!box || !table) return;
    var showTable = toggle.getAttribute("aria-pressed") !== "true";
    toggle.setAttribute("aria-pressed", showTable ? "true" : "false");
    toggle.textContent = showTable ? toggle.dataset.labelChart : toggle.dataset.labelTable;
    box.hidden = showTable;
    table.classList.toggle("visually-hidden", !showTable);
    if (!showTable) {
      var chart = window.echarts && window.echarts.getInstanceByDom(box);
      if (chart) chart.resize();
    }
  });

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (chart) {
        if (!chart.isDisposed()) chart.resize();
      });
    }, 120);
  });

  // htmx may bring charts in with a swapped fragment
  document.addEventListener("htmx:load", function (event) {
    drawAll(event.target);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
