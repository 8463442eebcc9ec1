// salesdept: tiny behaviours without inline scripts (works with a strict Content-Security-Policy).
document.addEventListener("submit", function (event) {
  // <form data-confirm="Are you sure?">: ask before a destructive action.
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("click", function (event) {
  // <button data-copy="#element-id">: copy that element's text (a new API token).
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(function () {
    var done = button.dataset.copied;
    if (done) { button.dataset.label = button.textContent; button.textContent = done; }
  });
});

document.addEventListener("htmx:beforeSwap", function (event) {
  // A form re-rendered with its errors answers 400: show it in place, as a 200 would be.
  if (event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
