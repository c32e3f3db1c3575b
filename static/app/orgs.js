// Org tree (expand / collapse, current node) and the org picker of the transfer and move forms
// and of the member list's filter.
document.addEventListener("DOMContentLoaded", function () {
  document.body.addEventListener("click", function (evt) {
    var toggle = evt.target.closest("[data-tree-toggle]");
    if (toggle) {
      var list = toggle.parentElement.querySelector(":scope > ul");
      if (toggle.dataset.loaded && list) {
        list.classList.toggle("collapsed");
      }
      toggle.dataset.loaded = "1";
      toggle.textContent = list && list.classList.contains("collapsed") ? "▸" : "▾";
      return;
    }
    var node = evt.target.closest("[data-tree-node], [data-search-hit]");
    if (node) {
      document.querySelectorAll("[data-tree-node].active").forEach(function (n) { n.classList.remove("active"); });
      if (node.hasAttribute("data-tree-node")) node.classList.add("active");
    }
    var pick = evt.target.closest("[data-pick]");
    if (pick) {
      choose(pick.dataset.pick, pick.dataset.pickId, pick.dataset.pickLabel);
      return;
    }
    var clear = evt.target.closest("[data-picker-clear]");
    if (clear) choose(clear.dataset.pickerClear, "", "");
  });
  // Put the chosen org (or none) into the picker's hidden input; a filter's picker
  // (data-picker-submit) then submits its form, so the list follows at once.
  function choose(name, id, orgName) {
    var box = document.querySelector('[data-picker="' + name + '"]');
    if (!box) return;
    var filter = box.hasAttribute("data-picker-submit");
    box.querySelector('input[type="hidden"]').value = id;
    var shown = box.querySelector("[data-picker-name]") || box.querySelector("[data-picker-label]");
    shown.textContent = id ? "已选择：" + orgName : "";
    var clear = box.querySelector("[data-picker-clear]");
    if (clear) clear.hidden = !id;
    box.querySelector(".picker-results").innerHTML = "";
    var search = box.querySelector('input[type="search"]');
    if (search) {
      search.value = "";
      if (filter) search.placeholder = id ? orgName : search.dataset.emptyPlaceholder;
    }
    if (filter && box.closest("form")) box.closest("form").requestSubmit();
  }
  // The picker's search box must not submit the surrounding form on Enter.
  document.body.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && evt.target.closest(".org-picker input[type=search]")) evt.preventDefault();
  });
});
