// kura console: uploads to the object browser's current folder, by the
// file picker or by dropping files on the page. A file up to one part
// goes in one request; a larger one as a multipart upload, a few parts
// at a time, with a progress bar and a Cancel button. Every request goes
// to the console (same origin), which sends it on to the API as the
// logged-in user.
"use strict";

(() => {
  const section = document.querySelector("section.upload");
  if (!section) {
    return;
  }
  const bucket = section.dataset.bucket;
  const prefix = section.dataset.prefix || "";
  const partSize = Number(section.dataset.partSize) || 8 * 1024 * 1024;
  const partsInFlight = 4; // as many as the console buffers for one session
  const maxParts = 10000;
  const csrf = document.querySelector('input[name="csrf"]').value;
  const list = section.querySelector("ul.uploads");
  const picker = section.querySelector('input[type="file"]');

  class Cancelled extends Error {}

  function address(action, params) {
    return "/upload/" + encodeURIComponent(bucket) + "/" + action + "?" + new URLSearchParams(params).toString();
  }

  // post sends body to an upload endpoint and resolves with its JSON
  // answer; a refusal rejects with the server's message. An abortable
  // request is cancelled by the upload's Cancel button.
  function post(upload, action, params, body, options) {
    const opts = options || {};
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", address(action, params));
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      if (opts.contentType) {
        xhr.setRequestHeader("Content-Type", opts.contentType);
      }
      if (opts.onProgress) {
        xhr.upload.onprogress = (event) => opts.onProgress(event.loaded);
      }
      if (opts.abortable) {
        upload.requests.add(xhr);
      }
      const settle = () => upload.requests.delete(xhr);
      xhr.onload = () => {
        settle();
        let answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (e) {
          answer = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && answer) {
          resolve(answer);
        } else if (answer && answer.error) {
          reject(new Error(answer.error));
        } else {
          reject(new Error(xhr.status + " " + xhr.responseText.trim()));
        }
      };
      xhr.onerror = () => { settle(); reject(new Error("the console did not answer")); };
      xhr.onabort = () => { settle(); reject(new Cancelled("cancelled")); };
      xhr.send(body === undefined ? null : body);
    });
  }

  // newRow shows an upload in the list: name, progress bar, status and
  // a Cancel button.
  function newRow(upload) {
    const row = document.createElement("li");
    row.className = "upload-item";
    const name = document.createElement("span");
    name.className = "key";
    name.textContent = upload.key;
    const bar = document.createElement("progress");
    bar.className = "upload-progress";
    bar.max = Math.max(upload.file.size, 1);
    bar.value = 0;
    const status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = "Waiting";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "cancel";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", () => upload.cancel());
    row.append(name, " ", bar, " ", status, " ", cancel);
    list.append(row);
    upload.bar = bar;
    upload.status = status;
    upload.cancelButton = cancel;
  }

  function newUpload(file) {
    const upload = {
      file: file,
      key: prefix + file.name,
      requests: new Set(),
      cancelled: false,
      cancel() {
        this.cancelled = true;
        for (const xhr of this.requests) {
          xhr.abort();
        }
      },
    };
    newRow(upload);
    return upload;
  }

  async function putWhole(upload) {
    // The file's type travels as a parameter, the body always as bytes,
    // so that no file is ever read as a form.
    await post(upload, "put", { key: upload.key, type: upload.file.type }, upload.file, {
      contentType: "application/octet-stream",
      abortable: true,
      onProgress: (loaded) => { upload.bar.value = loaded; },
    });
  }

  // putParts sends the file as a multipart upload, partsInFlight parts
  // at a time. Whatever goes wrong (Cancel included), the upload is
  // aborted so that no parts are left behind on the server.
  async function putParts(upload) {
    const file = upload.file;
    if (Math.ceil(file.size / partSize) > maxParts) {
      throw new Error("the file is larger than " + maxParts + " parts of " + partSize + " bytes");
    }
    // Creation is not abortable: its answer names the upload to abort.
    const created = await post(upload, "create", { key: upload.key, type: file.type });
    const uploadId = created.uploadId;
    const count = Math.ceil(file.size / partSize);
    const sent = new Array(count + 1).fill(0);
    const showProgress = () => { upload.bar.value = sent.reduce((a, b) => a + b, 0); };
    const parts = [];
    let next = 1;
    const worker = async () => {
      while (next <= count) {
        if (upload.cancelled) {
          throw new Cancelled("cancelled");
        }
        const number = next++;
        const start = (number - 1) * partSize;
        const blob = file.slice(start, Math.min(start + partSize, file.size));
        const part = await post(upload, "part", { key: upload.key, uploadId: uploadId, partNumber: number }, blob, {
          abortable: true,
          contentType: "application/octet-stream",
          onProgress: (loaded) => { sent[number] = loaded; showProgress(); },
        });
        sent[number] = blob.size;
        showProgress();
        parts.push(part);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(partsInFlight, count) }, worker));
      if (upload.cancelled) {
        throw new Cancelled("cancelled");
      }
      parts.sort((a, b) => a.partNumber - b.partNumber);
      upload.cancelButton.disabled = true;
      await post(upload, "complete", { key: upload.key, uploadId: uploadId }, JSON.stringify({ parts: parts }), {
        contentType: "application/json",
      });
    } catch (err) {
      upload.cancel(); // stops the other parts
      upload.status.textContent = "Aborting";
      await post(upload, "abort", { key: upload.key, uploadId: uploadId }).catch(() => {});
      throw err;
    }
  }

  async function run(upload) {
    upload.status.textContent = "Uploading";
    try {
      if (upload.file.size <= partSize) {
        await putWhole(upload);
      } else {
        await putParts(upload);
      }
      upload.bar.value = upload.bar.max;
      upload.status.textContent = "Done";
      return true;
    } catch (err) {
      if (upload.cancelled && err instanceof Cancelled) {
        upload.status.textContent = "Cancelled";
      } else {
        upload.status.textContent = "Failed: " + err.message;
        upload.status.classList.add("error");
      }
      return false;
    } finally {
      upload.cancelButton.disabled = true;
    }
  }

  // Files are uploaded one after the other; each large one sends its
  // parts in parallel.
  let queue = Promise.resolve();

  function uploadAll(files) {
    const uploads = Array.from(files).map(newUpload);
    queue = queue.then(async () => {
      let allDone = true;
      for (const upload of uploads) {
        if (upload.cancelled) {
          upload.status.textContent = "Cancelled";
          upload.cancelButton.disabled = true;
          allDone = false;
          continue;
        }
        allDone = (await run(upload)) && allDone;
      }
      if (allDone) {
        for (const old of list.querySelectorAll("li.uploads-done")) {
          old.remove();
        }
        const row = document.createElement("li");
        row.className = "uploads-done notice";
        const refresh = document.createElement("a");
        refresh.href = window.location.href;
        refresh.textContent = "Refresh the list";
        row.append("Uploaded. ", refresh);
        list.append(row);
      }
    });
  }

  picker.addEventListener("change", () => {
    if (picker.files.length > 0) {
      uploadAll(picker.files);
    }
    picker.value = "";
  });

  // Dropping files anywhere on the page uploads them to this folder.
  document.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
      event.preventDefault();
      document.body.classList.add("dragging");
    }
  });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (event) => {
    document.body.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length > 0) {
      event.preventDefault();
      uploadAll(event.dataTransfer.files);
    }
  });
})();
