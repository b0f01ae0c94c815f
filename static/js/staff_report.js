// A report's page: the resident's message starts from the standard one for the chosen status
// and is previewed as LINE will show it; "notify" starts ticked for the states residents wait
// for; 1-5 choose a status; coordinates copy with one click; photos open in a viewer.
// Report text is only ever set as text (textContent, value), never parsed as HTML.
(function () {
  "use strict";
  var notice = JSON.parse(document.getElementById("notice-data").textContent);

  function noticeForm(form) {
    var kind = form.dataset.form;
    var message = form.querySelector("textarea[name=message]");
    var notify = form.querySelector("input[name=notify]");
    var bubble = form.querySelector("[data-preview]");
    var photoBubble = form.querySelector("[data-preview-photo]");
    var status = form.querySelector("select[name=status]");
    var manager = form.querySelector("select[name=manager]");
    var receipt = form.querySelector("input[name=receipt]");
    var photo = form.querySelector("input[type=file]");
    var standard = "";
    var edited = false;
    var notifyTouched = false;
    if (!message) { return; }

    function preview() {
      var text = message.value.trim() || standard;
      var sent = !notify || notify.checked;
      bubble.textContent = text || bubble.dataset.empty || "";
      bubble.classList.toggle("muted", !sent || !text);
      if (photoBubble) {
        var resolved = status && status.value === "resolved";
        photoBubble.hidden = !(sent && resolved && photo && photo.files.length);
      }
    }

    function setStandard(text) {
      standard = text || "";
      if (!edited) { message.value = standard; }
      preview();
    }

    function fromStatus() {
      if (notify && !notifyTouched) {
        notify.checked = notice.notify_by_default.indexOf(status.value) >= 0;
      }
      setStandard(notice.statuses[status.value]);
    }

    var timer = null;
    function fromReceipt() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = window.location.pathname + "/notice.json?receipt=" +
          encodeURIComponent(receipt.value.trim());
        fetch(url, { credentials: "same-origin" })
          .then(function (answer) { return answer.ok ? answer.json() : { message: "" }; })
          .then(function (found) { setStandard(found.message); });
      }, 300);
    }

    bubble.dataset.empty = bubble.textContent;
    message.addEventListener("input", function () {
      edited = message.value.trim() !== "" && message.value !== standard;
      preview();
    });
    if (notify) {
      notify.addEventListener("change", function () { notifyTouched = true; preview(); });
    }
    if (photo) { photo.addEventListener("change", preview); }
    if (kind === "status") {
      status.addEventListener("change", fromStatus);
      preview();
    } else if (kind === "refer") {
      manager.addEventListener("change", function () { setStandard(notice.managers[manager.value]); });
      setStandard(notice.managers[manager.value]);
    } else if (kind === "duplicate") {
      receipt.addEventListener("input", fromReceipt);
      preview();
    }
  }
  document.querySelectorAll("form.notice-form").forEach(noticeForm);

  // 1-5 choose the n-th status of the form and move to its save button: Enter then saves.
  var digits = document.querySelector("select[data-digits]");
  document.addEventListener("keydown", function (event) {
    if (!digits || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) {
      return;
    }
    if (window.tsuhoTyping(event.target) || !/^[1-9]$/.test(event.key)) { return; }
    var option = digits.options[Number(event.key) - 1];
    if (!option) { return; }
    event.preventDefault();
    digits.value = option.value;
    digits.dispatchEvent(new Event("change"));
    document.querySelector(digits.dataset.digits).focus();
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.dataset.copy);
      var text = source.textContent.trim();
      var done = function () { button.textContent = button.dataset.done; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
        return;
      }
      var range = document.createRange();
      range.selectNodeContents(source);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      if (document.execCommand("copy")) { done(); }
    });
  });

  var viewer = document.getElementById("photo-viewer");
  var image = document.getElementById("photo-viewer-image");
  var links = Array.prototype.slice.call(document.querySelectorAll("a.photo-link"));
  var shown = 0;
  function show(index) {
    shown = (index + links.length) % links.length;
    image.src = links[shown].dataset.full;
    image.alt = links[shown].querySelector("img").alt;
  }
  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      if (!viewer.showModal) { return; }
      event.preventDefault();
      show(index);
      viewer.showModal();
    });
  });
  viewer.querySelectorAll("button[data-step]").forEach(function (button) {
    button.hidden = links.length < 2;
    button.addEventListener("click", function () { show(shown + Number(button.dataset.step)); });
  });
}());
