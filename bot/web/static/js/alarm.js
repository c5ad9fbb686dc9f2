/* The 6·5 page: each alarm signal synthesised with WebAudio from its on/off pattern
   (data-on / data-off / data-repeats, from app/alarms.py): a siren tone that rises when it
   starts sounding and wavers while it sounds, silent in the pauses. speed 10 = quick listen. */
(function () {
  "use strict";
  var current = null;

  function stop() {
    if (!current) return;
    try { current.ctx.close(); } catch (e) { /* already closed */ }
    clearInterval(current.timer);
    current.card.querySelector(".bars").classList.remove("playing");
    current.card.querySelector(".stop").hidden = true;
    current.card.querySelector(".status").textContent = "";
    current = null;
  }

  function play(card, speed) {
    stop();
    var Ctx = window.AudioContext || window.webkitAudioContext;
    var status = card.querySelector(".status");
    if (!Ctx) { status.textContent = "您的浏览器不支持声音合成。"; return; }
    var on = +card.dataset.on, off = +card.dataset.off, repeats = +card.dataset.repeats;
    var ctx = new Ctx();
    var osc = ctx.createOscillator(), lfo = ctx.createOscillator(), lfoGain = ctx.createGain(), gain = ctx.createGain();
    osc.type = "sawtooth";
    lfo.frequency.value = 0.5 * Math.max(1, speed / 2);
    lfoGain.gain.value = 40;
    lfo.connect(lfoGain); lfoGain.connect(osc.frequency);
    var filter = ctx.createBiquadFilter();
    filter.type = "lowpass"; filter.frequency.value = 1800;
    osc.connect(filter); filter.connect(gain); gain.connect(ctx.destination);
    var t0 = ctx.currentTime + 0.05, rise = Math.min(1.5, on / 3) / speed;
    gain.gain.setValueAtTime(0, ctx.currentTime);
    osc.frequency.setValueAtTime(300, ctx.currentTime);
    for (var i = 0; i < repeats; i++) {
      var start = t0 + i * (on + off) / speed, end = start + on / speed;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.25, start + 0.05);
      osc.frequency.setValueAtTime(300, start);
      osc.frequency.linearRampToValueAtTime(650, start + rise);
      gain.gain.setValueAtTime(0.25, Math.max(start + 0.05, end - 0.08));
      gain.gain.linearRampToValueAtTime(0, end);
      osc.frequency.linearRampToValueAtTime(380, end);
    }
    var total = repeats * (on + off) / speed;
    osc.start(t0); lfo.start(t0);
    osc.stop(t0 + total + 0.1); lfo.stop(t0 + total + 0.1);
    card.querySelector(".bars").classList.add("playing");
    card.querySelector(".stop").hidden = false;
    current = { ctx: ctx, card: card, timer: setInterval(function () {
      var t = (ctx.currentTime - t0) * speed;
      if (t >= repeats * (on + off)) { stop(); return; }
      var cycle = Math.floor(t / (on + off)), sounding = (t - cycle * (on + off)) < on;
      status.textContent = (repeats > 1 ? "第 " + (cycle + 1) + "/" + repeats + " 遍，" : "") + (sounding ? "鸣响中" : "停顿中") +
        "（已播放 " + Math.floor(t) + " 秒）";
    }, 250) };
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest(".signal .play, .signal .stop");
    if (!btn) return;
    if (btn.classList.contains("stop")) { stop(); return; }
    play(btn.closest(".signal"), +btn.getAttribute("data-speed") || 1);
  });
})();
