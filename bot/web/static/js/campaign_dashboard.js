/* Organiser dashboard: fetch stats.json every 5 s and redraw the figures and bar charts in place
   (no reload, no inline script or style attributes: CSP allows only this file). */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  var url = root.getAttribute("data-stats");
  function pct(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }
  function bars(name, rows, label, value, text) {
    var box = root.querySelector('[data-chart="' + name + '"]');
    if (!box) return;
    box.textContent = "";
    var max = rows.reduce(function (m, r) { return Math.max(m, value(r)); }, 0) || 1;
    if (!rows.length) { box.textContent = "暂无数据"; return; }
    rows.forEach(function (r) {
      var line = document.createElement("div"); line.className = "hbar";
      var l = document.createElement("span"); l.className = "label"; l.textContent = label(r); l.title = label(r);
      var t = document.createElement("span"); t.className = "track";
      var f = document.createElement("span"); f.className = "fill"; f.style.display = "block";
      f.style.width = (100 * value(r) / max).toFixed(1) + "%";
      var v = document.createElement("span"); v.textContent = text(r);
      t.appendChild(f); line.appendChild(l); line.appendChild(t); line.appendChild(v); box.appendChild(line);
    });
  }
  function draw(s) {
    var o = s.overview;
    var figs = {registered: o.registered, participants: o.participants, participation_rate: pct(o.participation_rate),
                pass_rate: pct(o.pass_rate), average_score: o.average_score, flagged: o.flagged};
    Object.keys(figs).forEach(function (k) {
      var el = root.querySelector('[data-fig="' + k + '"]'); if (el) el.textContent = String(figs[k]);
    });
    bars("schools", s.schools, function (r) { return r.school; }, function (r) { return r.participants; },
         function (r) { return r.participants + (r.headcount ? "（" + pct(r.participation_rate) + "）" : ""); });
    bars("scores", s.scores, function (r) { return r.score + " 分"; }, function (r) { return r.participants; },
         function (r) { return String(r.participants); });
    bars("timeline", s.timeline.slice(-24), function (r) { return new Date(r.hour * 1000).toLocaleString("zh-CN", {month: "numeric", day: "numeric", hour: "numeric"}); },
         function (r) { return r.participants; }, function (r) { return String(r.participants); });
    bars("missed", s.missed, function (r) { return r.stem; }, function (r) { return r.miss_rate; },
         function (r) { return pct(r.miss_rate); });
    var up = document.getElementById("updated");
    if (up) up.textContent = "更新于 " + new Date().toLocaleTimeString("zh-CN");
  }
  function load() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) draw(s); })
      .catch(function () {})
      .then(function () { setTimeout(load, 5000); });
  }
  load();
})();
