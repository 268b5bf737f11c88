// kura console: the little behaviour the server-rendered pages need.
// Loaded from /static (the Content-Security-Policy allows no inline
// script), it only enhances pages that work without it.
"use strict";

// Forms with data-confirm ask before they post (deleting a bucket).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
