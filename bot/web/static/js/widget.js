/* The embeddable widget: a script tag whose src is this server's /widget.js (defer) on a portal page
   adds a "普法助手" button that opens the chat (/embed) in a frame. Styles are set from script,
   so the host page needs no stylesheet of ours. */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.__lawbotWidget) return;
  window.__lawbotWidget = true;
  var base = me.src.replace(/\/widget\.js(\?.*)?$/, "");
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "普法助手";
  button.setAttribute("aria-label", "打开人民防空普法助手");
  Object.assign(button.style, { position: "fixed", right: "16px", bottom: "16px", zIndex: "2147483000",
    background: "#b91c1c", color: "#fff", border: "0", borderRadius: "999px", padding: "12px 18px",
    fontSize: "16px", boxShadow: "0 2px 8px rgba(0,0,0,.25)", cursor: "pointer" });
  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = base + "/embed";
      frame.title = "人民防空普法助手";
      Object.assign(frame.style, { position: "fixed", right: "16px", bottom: "72px", width: "min(380px, calc(100vw - 32px))",
        height: "min(600px, calc(100vh - 100px))", border: "0", borderRadius: "12px", zIndex: "2147483000",
        boxShadow: "0 4px 16px rgba(0,0,0,.3)", background: "#fff" });
      document.body.appendChild(frame);
      button.textContent = "关闭";
    } else {
      var open = frame.style.display !== "none";
      frame.style.display = open ? "none" : "block";
      button.textContent = open ? "普法助手" : "关闭";
    }
  });
  document.body.appendChild(button);
})();
