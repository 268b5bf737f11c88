// kura console, health page: fetch fresh charts every 5 seconds while
// the page is visible. The server scrapes only when asked, so a closed
// page costs nothing. The charts are markup the server escaped.
"use strict";

(() => {
  const box = document.getElementById("charts");
  if (!box) {
    return;
  }
  const refresh = async () => {
    if (document.hidden) {
      return;
    }
    try {
      const resp = await fetch(box.dataset.refresh, { credentials: "same-origin", redirect: "manual" });
      if (resp.type === "opaqueredirect") {
        window.location.reload(); // the session ended: the page goes to the login page, which says why
        return;
      }
      if (!resp.ok) {
        return;
      }
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      box.replaceChildren(...doc.body.childNodes);
    } catch (e) {
      // The next tick tries again.
    }
  };
  setInterval(refresh, 5000);
})();
