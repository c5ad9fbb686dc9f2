/* The chat page: posts the question form and inserts the answer the server rendered (escaped
   there; nothing user-typed is ever put into HTML here). Keeps the law/article just shown in the
   form so a follow-up ("那第二十五条呢？", "罚多少？") is asked in context. Works as a plain form without it. */
(function () {
  "use strict";
  var form = document.getElementById("ask");
  var list = document.getElementById("exchanges");
  if (!form || !list) return;
  var box = form.querySelector("textarea");
  var send = form.querySelector("button[type=submit]");
  var meta = function (name) { var m = document.querySelector('meta[name="' + name + '"]'); return m ? m.content : ""; };
  var headers = function () {
    return { "X-Requested-With": "fetch", "X-CSRF-Token": meta("lawbot-csrf"), "X-Lawbot-Client": meta("lawbot-client") };
  };

  function notice(text) {
    var div = document.createElement("div");
    div.className = "msg bot notice-msg";
    var p = document.createElement("p");
    p.textContent = text;
    div.appendChild(p);
    list.appendChild(div);
    div.scrollIntoView({ block: "end" });
  }

  function insert(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;  // server-rendered, autoescaped fragment
    var node = tpl.content.firstElementChild;
    list.appendChild(tpl.content);
    if (node && node.classList.contains("exchange")) {
      var law = node.getAttribute("data-context-law"), art = node.getAttribute("data-context-article");
      if (law) {
        form.elements.ctx_law.value = law;
        form.elements.ctx_article.value = art || "";
        form.elements.ctx_q.value = node.getAttribute("data-context-question") || "";
      }
    }
    (node || list.lastElementChild).scrollIntoView({ block: "start", behavior: "smooth" });
  }

  function ask() {
    var q = box.value.trim();
    if (!q) { box.focus(); return; }
    var data = new FormData(form);
    send.disabled = true;
    var pending = document.createElement("p");
    pending.className = "pending";
    pending.textContent = "正在查找相关条文……";
    list.appendChild(pending);
    fetch(form.action, { method: "POST", body: data, headers: headers(), credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, status: r.status, text: t }; }); })
      .then(function (r) {
        pending.remove();
        if (r.text && r.text.indexOf("<div") === 0) { insert(r.text); } else { notice("抱歉，出了点问题，请稍后再试。"); }
        if (r.ok) { box.value = ""; }
      })
      .catch(function () { pending.remove(); notice("网络好像断开了，请检查网络后再试。"); })
      .then(function () { send.disabled = false; box.focus(); });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); ask(); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(); }
  });
  document.addEventListener("click", function (e) {
    var chip = e.target.closest(".chip[data-question]");
    if (chip) { box.value = chip.getAttribute("data-question"); ask(); }
  });

  list.addEventListener("submit", function (e) {
    var fb = e.target.closest("form.feedback");
    if (!fb) return;
    e.preventDefault();
    var button = e.submitter || fb.querySelector("button.fb");
    var data = new FormData(fb);
    data.set("value", button.value);
    fb.querySelectorAll("button.fb").forEach(function (b) { b.disabled = true; });
    fetch(fb.action, { method: "POST", body: data, headers: headers(), credentials: "same-origin" })
      .then(function (r) {
        var done = fb.querySelector(".fb-done");
        fb.querySelectorAll("button.fb").forEach(function (b) { b.classList.toggle("chosen", b === button); b.disabled = false; });
        done.textContent = r.ok ? "感谢您的反馈！" : "反馈没有提交成功，请稍后再试。";
        done.hidden = false;
      })
      .catch(function () { fb.querySelectorAll("button.fb").forEach(function (b) { b.disabled = false; }); });
  });
})();
