(() => {
  "use strict";
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const csrf = () => { const m = $('meta[name="csrf-token"]'); return m ? m.content : ""; };
  // A source in one of these states has a refresh under way; any other state is an outcome.
  const TRANSIENT = new Set(["pending", "queued", "refreshing"]);
  const FINAL = { has: (status) => !TRANSIENT.has(status) };

  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf();
    let payload;
    if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const r = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    if (r.status === 204) return null;
    let data = null;
    try { data = await r.json(); } catch (_) { data = null; }
    if (!r.ok) {
      if (r.status === 401) {
        location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      }
      const msg = data && data.error && data.error.message ? data.error.message : "request failed (HTTP " + r.status + ")";
      const err = new Error(msg);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  let toastTimer;
  function toast(message, bad) {
    const t = $("#toast");
    if (!t) return;
    t.textContent = message;
    t.classList.toggle("bad", !!bad);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.textContent = ""; }, bad ? 9000 : 4500);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function badgeKind(status) {
    if (["ready", "ok"].includes(status)) return "ok";
    if (["error", "failed", "timeout", "lost"].includes(status)) return "bad";
    if (status === "disabled") return "off";
    return TRANSIENT.has(status) ? "busy" : "warn";
  }
  function badge(status) {
    return el("span", { class: "badge badge-" + badgeKind(status), "data-status": status, text: status.replace(/_/g, " ") });
  }
  function humanDate(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = (n) => String(n).padStart(2, "0");
    return d.getUTCFullYear() + "-" + p(d.getUTCMonth() + 1) + "-" + p(d.getUTCDate()) + " " + p(d.getUTCHours()) + ":" +
      p(d.getUTCMinutes()) + ":" + p(d.getUTCSeconds()) + " UTC";
  }
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // ---------------------------------------------------------------- copy buttons
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (_) {
      const ta = el("textarea", { readonly: true, class: "sr-only" });
      ta.value = text;
      document.body.append(ta);
      ta.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
      ta.remove();
      return ok;
    }
  }
  document.addEventListener("click", async (e) => {
    const b = e.target.closest("[data-copy]");
    if (!b) return;
    const target = $(b.dataset.copy);
    if (!target) return;
    const text = (target.tagName === "INPUT" || target.tagName === "TEXTAREA") ? target.value : target.textContent;
    const ok = await copyText(text);
    const label = b.dataset.label || b.textContent;
    b.dataset.label = label;
    b.textContent = ok ? "Copied" : "Copy failed";
    setTimeout(() => { b.textContent = label; }, 1600);
    toast(ok ? "Copied to the clipboard" : "Could not copy: select the text and copy it by hand", !ok);
  });

  // ---------------------------------------------------------------- tabs
  for (const list of $$('[role="tablist"]')) {
    const tabs = $$('[role="tab"]', list);
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        const panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      }
      if (focus) tab.focus();
    };
    tabs.forEach((t, i) => {
      t.addEventListener("click", () => select(t, false));
      t.addEventListener("keydown", (e) => {
        let j = null;
        if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
        if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
        if (e.key === "Home") j = 0;
        if (e.key === "End") j = tabs.length - 1;
        if (j !== null) { e.preventDefault(); select(tabs[j], true); }
      });
    });
    if (tabs.length) select(tabs[0], false);
  }

  // ---------------------------------------------------------------- auth fields
  // Shows the inputs an auth type needs and the auth types a source type allows.
  function syncAuthFields(form) {
    const typeInput = form.querySelector('[name="type"]:checked') || form.querySelector('[name="type"]');
    const sourceType = typeInput ? typeInput.value : (form.dataset.sourceType || "openapi");
    for (const n of $$("[data-for-type]", form)) n.hidden = !n.dataset.forType.split(" ").includes(sourceType);
    // A stdio server's secrets: the inputs of the chosen server only.
    const server = form.querySelector('[name="server"]');
    for (const n of $$("[data-for-server]", form)) {
      const show = sourceType === "stdio" && !!server && n.dataset.forServer.split(" ").includes(server.value);
      n.hidden = !show;
      for (const i of $$("input", n)) i.disabled = !show;
    }
    const auth = form.querySelector('[name="authType"]');
    if (!auth) return;
    if (sourceType === "stdio") auth.value = "none";
    for (const o of auth.options) {
      const allowed = !o.dataset.types || o.dataset.types.split(" ").includes(sourceType);
      o.disabled = !allowed;
      o.hidden = !allowed;
    }
    if (auth.selectedOptions[0] && auth.selectedOptions[0].disabled) auth.value = "none";
    for (const n of $$("[data-for-auth]", form)) {
      const show = n.dataset.forAuth.split(" ").includes(auth.value);
      n.hidden = !show;
      for (const i of $$("input", n)) i.disabled = !show;
    }
  }

  function authBody(form, editing) {
    const type = form.authType.value;
    const auth = { type };
    if (type === "header") auth.headerName = form.headerName.value.trim();
    if (type === "query") auth.paramName = form.paramName.value.trim();
    if (["bearer", "header", "query", "basic"].includes(type)) {
      const secret = form.secret.value;
      if (secret || !editing) auth.secret = secret;
    }
    return auth;
  }

