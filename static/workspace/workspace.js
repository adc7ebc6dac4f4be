// Staff pages (docs/ui.md). No inline scripts: behaviour lives here.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" for bulk actions: a checkbox with data-ws-select-all="<form id>".
  for (const all of document.querySelectorAll("[data-ws-select-all]")) {
    const form = document.getElementById(all.dataset.wsSelectAll);
    if (!form) continue;
    const boxes = () => form.querySelectorAll('input[type="checkbox"][name="tasks"]');
    all.addEventListener("change", () => { for (const box of boxes()) box.checked = all.checked; });
  }
  // An error summary is focused so that a screen reader announces it after a failed submit.
  const summary = document.getElementById("ws-error-summary");
  if (summary) summary.focus();
});
