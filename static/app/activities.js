// Activity form: one-tap attendance, reasons shown only where needed, live 应到/实到, lecturer
// fields only for 党课. Delegated listeners, so rows swapped in by htmx work the same.
(function () {
  var NEEDS_REASON = { leave: true, absent: true };
  var ATTENDED = { present: true, elsewhere: true };
  var LECTURES = { party_lecture: true, special_lecture: true };

  function refreshRow(row) {
    var checked = row.querySelector(".att-status:checked");
    var reason = row.querySelector(".att-reason");
    if (!reason) return;
    var needs = checked && NEEDS_REASON[checked.value];
    reason.classList.toggle("d-none", !needs);
    reason.required = !!needs;
  }

  function refreshSummary(form) {
    var rows = form.querySelectorAll(".att-row");
    var present = 0;
    rows.forEach(function (row) {
      var checked = row.querySelector(".att-status:checked");
      if (checked && ATTENDED[checked.value]) present += 1;
    });
    var e = form.querySelector("[data-expected]");
    var p = form.querySelector("[data-present]");
    if (e) e.textContent = rows.length;
    if (p) p.textContent = present;
  }

  function refreshLecturer(form) {
    var show = false;
    form.querySelectorAll(".kind-input:checked").forEach(function (box) {
      if (LECTURES[box.value]) show = true;
    });
    form.querySelectorAll(".lecturer-fields").forEach(function (el) {
      el.classList.toggle("d-none", !show);
    });
  }

  function refreshAll() {
    var form = document.getElementById("activity-form");
    if (!form) return;
    form.querySelectorAll(".att-row").forEach(refreshRow);
    refreshSummary(form);
    refreshLecturer(form);
  }

  document.addEventListener("change", function (evt) {
    var form = document.getElementById("activity-form");
    if (!form || !form.contains(evt.target)) return;
    if (evt.target.classList.contains("att-status")) {
      var row = evt.target.closest(".att-row");
      refreshRow(row);
      refreshSummary(form);
      var reason = row.querySelector(".att-reason");
      if (reason && !reason.classList.contains("d-none")) reason.focus();
    }
    if (evt.target.classList.contains("kind-input")) refreshLecturer(form);
  });
  document.addEventListener("DOMContentLoaded", refreshAll);
  document.addEventListener("htmx:afterSwap", refreshAll);
})();
