// tinhso: small progressive enhancements; every page works without this file.
// Sends the session's CSRF token with htmx requests.
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
});
