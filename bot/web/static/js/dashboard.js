/* The staff dashboard's charts (Chart.js, served from /static/vendor), from the page's JSON block. */
(function () {
  "use strict";
  var block = document.getElementById("stats-data");
  if (!block || !window.Chart) return;
  var s = JSON.parse(block.textContent);
  var red = "#b91c1c", grey = "#9aa5b1", green = "#2f855a";
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.animation = false;
  new Chart(document.getElementById("chart-days"), {
    type: "bar",
    data: {
      labels: s.days.map(function (d) { return d.date.slice(5); }),
      datasets: [
        { label: "已解答", data: s.days.map(function (d) { return d.answered; }), backgroundColor: red, stack: "q" },
        { label: "婉拒/未解答", data: s.days.map(function (d) { return d.questions - d.answered; }), backgroundColor: grey, stack: "q" }
      ]
    },
    options: { responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
  });
  new Chart(document.getElementById("chart-share"), {
    type: "doughnut",
    data: { labels: ["已解答", "婉拒/未解答"], datasets: [{ data: [s.answered, s.total - s.answered], backgroundColor: [red, grey] }] },
    options: { responsive: true, maintainAspectRatio: false }
  });
  if (!s.thumbs_up && !s.thumbs_down) {
    document.querySelector(".chart-empty").hidden = false;
    return;
  }
  new Chart(document.getElementById("chart-feedback"), {
    type: "doughnut",
    data: { labels: ["👍 有帮助", "👎 没帮助"], datasets: [{ data: [s.thumbs_up, s.thumbs_down], backgroundColor: [green, grey] }] },
    options: { responsive: true, maintainAspectRatio: false }
  });
})();
