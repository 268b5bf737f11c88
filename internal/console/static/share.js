// kura console: the object page's share form asks the console for a
// presigned link and shows it with a Copy button.
"use strict";

(() => {
  const form = document.querySelector("form.share");
  if (!form) {
    return;
  }
  const result = form.querySelector(".share-result");
  const field = form.querySelector("input.share-url");
  const expires = form.querySelector(".share-expires");
  const failure = form.querySelector(".share-error");
  const copy = form.querySelector("button.copy");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    failure.hidden = true;
    const body = new URLSearchParams(new FormData(form));
    try {
      const resp = await fetch(form.action, {
        method: "POST",
        body: body,
        headers: { "X-CSRF-Token": body.get("csrf") },
        credentials: "same-origin",
      });
      const text = await resp.text();
      let answer = null;
      try {
        answer = JSON.parse(text);
      } catch (e) {
        answer = null;
      }
      if (!resp.ok || !answer || !answer.url) {
        throw new Error(answer && answer.error ? answer.error : resp.status + " " + text.trim());
      }
      field.value = answer.url;
      expires.textContent = "valid until " + answer.expires;
      copy.textContent = "Copy";
      result.hidden = false;
      field.select();
    } catch (err) {
      result.hidden = true;
      failure.textContent = "The link was not made: " + err.message;
      failure.hidden = false;
    }
  });

  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
    } catch (e) {
      // Without clipboard access (an insecure origin), copy the
      // selection the old way.
      field.select();
      document.execCommand("copy");
    }
    copy.textContent = "Copied";
  });
})();
