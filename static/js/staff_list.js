// The report list: j and k move between rows, Enter opens one, x ticks it; the header's box
// ticks the whole page, and the bulk bar says how many are ticked. Its "tell the residents"
// box follows the chosen status (ticked for the states residents wait for) until touched.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.report-row"));
  var all = document.getElementById("pick-all");
  var count = document.getElementById("bulk-count");
  var boxes = rows.map(function (row) { return row.querySelector("input[name=report]"); })
    .filter(Boolean);

  function current() {
    var row = document.activeElement && document.activeElement.closest("tr.report-row");
    return row ? rows.indexOf(row) : -1;
  }

  function go(index) {
    if (!rows.length) { return; }
    var i = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row) { row.classList.remove("current"); });
    rows[i].classList.add("current");
    rows[i].querySelector("a.row-link").focus();
  }

  function tally() {
    if (!count) { return; }
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    count.textContent = ticked ? count.dataset.template.replace("%(count)s", ticked) : "";
    if (all) { all.checked = ticked > 0 && ticked === boxes.length; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (window.tsuhoTyping(event.target)) { return; }
    var here = current();
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      go(here < 0 ? 0 : here + (event.key === "j" ? 1 : -1));
    } else if (event.key === "x" && here >= 0 && boxes.length) {
      event.preventDefault();
      var box = rows[here].querySelector("input[name=report]");
      box.checked = !box.checked;
      tally();
    }
  });

  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      tally();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", tally); });
  tally();

  var status = document.querySelector("select[data-notify]");
  if (status) {
    var notify = document.querySelector(status.dataset.notify);
    var wanted = status.dataset.notifyByDefault.split(" ");
    var touched = false;
    notify.addEventListener("change", function () { touched = true; });
    var follow = function () {
      if (!touched) { notify.checked = wanted.indexOf(status.value) >= 0; }
    };
    status.addEventListener("change", follow);
    follow();
  }
}());
