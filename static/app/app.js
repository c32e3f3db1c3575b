// Site-wide behaviour. No inline scripts: the CSP allows only files served from here.
document.addEventListener("DOMContentLoaded", function () {
  var token = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (evt) {
    if (token) evt.detail.headers["X-CSRFToken"] = token.content;
  });
  // Mark the current section in the sidebar.
  var path = window.location.pathname;
  document.querySelectorAll("[data-nav]").forEach(function (a) {
    if (path.indexOf(a.getAttribute("href")) === 0) a.classList.add("active");
  });
  // Confirm dangerous actions: <button data-confirm="...">.
  document.body.addEventListener("click", function (evt) {
    var el = evt.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) evt.preventDefault();
  });
});
