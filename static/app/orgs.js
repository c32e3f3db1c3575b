// Org tree (expand / collapse, current node) and the org picker used by transfer and move forms.
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
      var box = document.querySelector('[data-picker="' + pick.dataset.pick + '"]');
      if (!box) return;
      box.querySelector('input[type="hidden"]').value = pick.dataset.pickId;
      box.querySelector("[data-picker-label]").textContent = "已选择：" + pick.dataset.pickLabel;
      box.querySelector(".picker-results").innerHTML = "";
      var search = box.querySelector('input[type="search"]');
      if (search) search.value = "";
    }
  });
  // The picker's search box must not submit the surrounding form on Enter.
  document.body.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && evt.target.closest(".org-picker input[type=search]")) evt.preventDefault();
  });
});
