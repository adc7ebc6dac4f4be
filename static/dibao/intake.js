// Staff intakes (dibao, 特困, temporary assistance; templates/dibao/_member_rows.html):
// add and remove member rows without a round trip. Without this script the
// "添加一名成员" submit button adds a row on the server and the "删除此成员"
// checkbox removes a row on submit (issue 14).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var rows = document.getElementById("member-rows");
  var form = rows && rows.closest("form");
  if (!form) return;
  var template = document.getElementById("member-template");
  var addButton = document.getElementById("add-member");
  var total = form.querySelector('input[name="members-TOTAL_FORMS"]');
  var max = parseInt(rows.getAttribute("data-max"), 10) || 15;

  function visibleRows() {
    return rows.querySelectorAll("[data-member-row]:not([hidden])").length;
  }

  function refresh() {
    addButton.disabled = parseInt(total.value, 10) >= max;
  }

  function enhanceDelete(row) {
    var box = row.querySelector('input[name$="-DELETE"]');
    if (!box || row.querySelector(".intake-remove")) return;
    var wrapper = box.closest(".intake-delete");
    if (wrapper) wrapper.hidden = true;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-danger intake-remove";
    button.textContent = wrapper ? wrapper.querySelector("label").textContent : "删除此成员";
    button.addEventListener("click", function () {
      if (visibleRows() <= 1) return; // a household keeps at least one row
      box.checked = true;
      row.hidden = true;
      addButton.focus();
    });
    row.appendChild(button);
  }

  rows.querySelectorAll("[data-member-row]").forEach(enhanceDelete);

  addButton.addEventListener("click", function (event) {
    var index = parseInt(total.value, 10);
    if (index >= max) return;
    event.preventDefault();
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    total.value = String(index + 1);
    enhanceDelete(row);
    refresh();
    var first = row.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  });
  refresh();
})();
