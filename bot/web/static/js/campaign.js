/* Campaign question screen: a visible countdown from the time the server says is left, one tap per
   answer (the buttons lock after the first), and a reload when the time is up so the server
   records the timeout and shows the next question. The server enforces the deadline either way. */
(function () {
  "use strict";
  var box = document.querySelector("[data-remaining-ms]");
  if (!box) return;
  var left = parseInt(box.getAttribute("data-remaining-ms"), 10) || 0;
  var total = left, end = Date.now() + left;
  var secs = document.getElementById("seconds"), bar = document.getElementById("bar");
  var form = box.querySelector("form.options"), sent = false;
  function tick() {
    var ms = Math.max(0, end - Date.now());
    if (secs) secs.textContent = String(Math.ceil(ms / 1000));
    if (bar && total > 0) bar.style.width = (100 * ms / total).toFixed(1) + "%";
    if (ms <= 0) {
      box.classList.add("timeout");
      if (!sent) { sent = true; setTimeout(function () { window.location.reload(); }, 1200); }
      return;
    }
    setTimeout(tick, 200);
  }
  tick();
  if (form) form.addEventListener("submit", function (e) {
    if (sent) { e.preventDefault(); return; }
    sent = true;
    var chosen = e.submitter;
    if (chosen && chosen.name === "choice") {
      var keep = document.createElement("input");
      keep.type = "hidden"; keep.name = "choice"; keep.value = chosen.value; form.appendChild(keep);
      chosen.classList.add("chosen");
    }
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
  });
})();
