// Every staff page: the phone menu, filters folded away on a phone, and the keyboard
// shortcuts with their help (templates/staff/_shortcuts.html). An element with data-key="x"
// is clicked (a link or a button) or focused (a field) when x is pressed outside a text field.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 48rem)");

  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("topbar-menu");
  if (toggle && menu) {
    toggle.hidden = false;
    document.documentElement.classList.add("menu-ready");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }

  if (phone.matches) {
    document.querySelectorAll("details.filter-fold").forEach(function (fold) { fold.open = false; });
  }

  var help = document.getElementById("shortcuts");
  function showHelp() {
    if (help && !help.open) { help.showModal(); }
  }
  document.querySelectorAll(".shortcuts-open").forEach(function (button) {
    button.addEventListener("click", showHelp);
  });

  var UNTYPED = ["checkbox", "radio", "button", "submit", "reset", "file"];
  // Whether keys pressed in the element are typed into it (so they are not shortcuts).
  function typing(element) {
    if (!element) { return false; }
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") {
      return true;
    }
    return element.tagName === "INPUT" && UNTYPED.indexOf(element.type) < 0;
  }
  window.tsuhoTyping = typing;

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (typing(event.target) || (help && help.open)) { return; }
    if (event.key === "?") {
      event.preventDefault();
      showHelp();
      return;
    }
    var target = document.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.matches("a, button")) { target.click(); } else { target.focus(); }
  });
}());
