// Charts of the staff pages (docs/ui.md "Charts"), drawn with ECharts (npm, served locally).
//
// No inline script (CSP): a chart is a container with data-ws-chart="<id of a json_script
// block>"; the block holds {kind, unit, money, categories, groups: [{name, series: [{name,
// data}]}], initial}. "line" and "bar" use the categories as the x axis; "time" series hold
// [date, value] pairs; optional: colors, money, percent, step. A <select data-ws-chart-picker="<container id>"> switches groups. The
// same figures are in the data table next to each chart (the accessible equivalent); the
// chart container itself is one role="img" labelled by the figure's caption.
"use strict";
(() => {
  const PALETTE = ["#1565c0", "#2e7d32", "#c62828", "#ef6c00", "#6a1b9a", "#00838f"];
  const lang = document.documentElement.lang || "zh-Hans";
  const integer = new Intl.NumberFormat(lang);
  const money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function formatter(spec) {
    if (spec.percent) return (v) => percent.format(Number(v));
    if (spec.money) return (v) => money.format(Number(v));
    return (v) => integer.format(Number(v));
  }

  function option(spec, group) {
    const format = formatter(spec);
    const time = spec.kind === "time";
    const kind = spec.kind === "bar" ? "bar" : "line";
    return {
      color: spec.colors || PALETTE,
      animation: false,
      grid: { left: 8, right: time ? 48 : 24, top: 48, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "axis",
        valueFormatter: (v) => (v === null || v === undefined ? "-" : format(v) + (spec.unit ? " " + spec.unit : "")),
      },
      xAxis: time
        ? { type: "time", minInterval: 24 * 3600 * 1000, axisLabel: { formatter: "{yyyy}-{MM}-{dd}", hideOverlap: true } }
        : { type: "category", data: spec.categories, boundaryGap: kind === "bar" },
      yAxis: {
        type: "value",
        minInterval: spec.money || spec.percent ? 0 : 1,
        name: spec.unit || "",
        axisLabel: { formatter: format },
      },
      series: group.series.map((s) => ({
        name: s.name,
        type: kind,
        data: s.data.map((v) => (v === null ? null : Array.isArray(v) ? [v[0], Number(v[1])] : Number(v))),
        step: spec.step ? "end" : false,
        showSymbol: !time || s.data.length < 40,
        barMaxWidth: 28,
        label: { show: kind === "bar", position: "top", formatter: (p) => format(p.value) },
      })),
    };
  }

  function draw(container) {
    const source = document.getElementById(container.dataset.wsChart);
    if (!source || typeof echarts === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const chart = echarts.init(container, null, { renderer: "canvas" });
    const show = (index) => chart.setOption(option(spec, spec.groups[index]), { notMerge: true });
    show(spec.initial || 0);
    const picker = document.querySelector(`[data-ws-chart-picker="${container.id}"]`);
    if (picker && spec.groups.length > 1) {
      const wrapper = picker.closest("[hidden]");
      if (wrapper) wrapper.hidden = false;
      picker.value = String(spec.initial || 0);
      picker.addEventListener("change", () => show(Number(picker.value)));
    }
    new ResizeObserver(() => chart.resize()).observe(container);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const container of document.querySelectorAll("[data-ws-chart]")) draw(container);
  });
})();
