// tinhso: small progressive enhancements; every page works without this file.
// Sends the session's CSRF token with htmx requests.
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
});

// Dataset uploads: send the form with XMLHttpRequest to show the upload's progress, then show
// the job fragment the server answers with; htmx polls it until the ingest has finished.
// Without this script the form posts normally and the server answers when the ingest is done.
document.addEventListener("submit", function (e) {
  var form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload")) { return; }
  if (!window.FormData || !window.XMLHttpRequest) { return; }
  e.preventDefault();
  var box = document.getElementById(form.getAttribute("data-result"));
  var wrap = form.querySelector(".upload-progress");
  var bar = wrap ? wrap.querySelector("progress") : null;
  var pct = wrap ? wrap.querySelector(".upload-pct") : null;
  var button = form.querySelector("button[type=submit]");
  var show = function (p) {
    if (bar) { bar.value = p; }
    if (pct) { pct.textContent = p + "%"; }
  };
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { xhr.setRequestHeader("X-CSRF-Token", meta.content); }
  xhr.upload.addEventListener("progress", function (ev) {
    if (ev.lengthComputable && ev.total > 0) { show(Math.round(ev.loaded * 100 / ev.total)); }
  });
  xhr.addEventListener("load", function () {
    show(100);
    if (button) { button.disabled = false; }
    if (box) {
      box.innerHTML = xhr.responseText;
      if (window.htmx) { window.htmx.process(box); }
    }
  });
  xhr.addEventListener("error", function () {
    if (button) { button.disabled = false; }
    if (box) {
      var div = document.createElement("div");
      div.className = "error";
      div.setAttribute("role", "alert");
      div.textContent = form.getAttribute("data-neterror") || "Network error";
      box.replaceChildren(div);
    }
  });
  if (wrap) { wrap.hidden = false; }
  show(0);
  if (button) { button.disabled = true; }
  if (box) { box.replaceChildren(); }
  xhr.send(new FormData(form));
});
