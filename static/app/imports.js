// Excel upload page: upload progress bar, then a "正在校验…" stage while the server checks rows.
document.addEventListener("DOMContentLoaded", function () {
  function parts() {
    return {
      box: document.getElementById("upload-progress"),
      bar: document.getElementById("upload-bar"),
      stage: document.getElementById("upload-stage"),
    };
  }
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    if (!evt.target.closest || !evt.target.closest("#upload-form")) return;
    var p = parts();
    if (!p.bar) return;
    p.bar.style.width = "0%";
    p.bar.textContent = "0%";
    p.stage.textContent = "正在上传…";
    var button = document.getElementById("upload-submit");
    if (button) button.disabled = true;
  });
  document.body.addEventListener("htmx:xhr:progress", function (evt) {
    if (!evt.target.closest || !evt.target.closest("#upload-form")) return;
    var p = parts();
    if (!p.bar || !evt.detail.lengthComputable) return;
    var pct = Math.round((evt.detail.loaded / evt.detail.total) * 100);
    p.bar.style.width = pct + "%";
    p.bar.textContent = pct + "%";
    if (pct >= 100) {
      p.bar.classList.add("progress-bar-indeterminate");
      p.stage.textContent = "正在校验…（大文件可能需要一两分钟）";
    }
  });
  // A rejected file (400) comes back as the form with its message: show it instead of ignoring it.
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.xhr.status === 400 && evt.detail.target && evt.detail.target.id === "upload-form") {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
});
