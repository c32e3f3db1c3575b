// Compliance dashboard charts. Initialised from data attributes and json_script elements (CSP: no inline scripts).
// The colour of each bar follows its rate (data.colors, computed with the tables' badges); a level
// with nothing judged yet has no bar and says so.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof echarts === "undefined") return;
  document.querySelectorAll("[data-chart='depth']").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var i = items[0].dataIndex;
          var rate = data.rates[i] === null ? "—" : data.rates[i] + "%";
          return data.labels[i] + "<br>达标率 " + rate + "（达标 " + data.met[i] + " / " + data.judged[i] +
            "）<br>未到期 " + data.not_due[i] + "（不计入）";
        }
      },
      grid: { left: 48, right: 24, top: 24, bottom: 32 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{
        type: "bar",
        name: "达标率",
        data: data.rates.map(function (value, i) {
          return { value: value, itemStyle: { color: data.colors[i] } };
        }),
        label: { show: true, position: "top", formatter: function (p) { return p.value === null ? "未到期" : p.value + "%"; } }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
