extension Assets {
    /// The dashboard's one script: API calls with the CSRF header, status polling, dialogs,
    /// copy buttons, the OAuth popup. Builds DOM with textContent only (never innerHTML with
    /// data); the only HTML it inserts is the server's own escaped table fragment.
    static let js = #"""
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
    for (const n of $$("[data-for-type]", form)) n.hidden = n.dataset.forType !== sourceType;
    const auth = form.querySelector('[name="authType"]');
    if (!auth) return;
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

  // ---------------------------------------------------------------- sources page
  function initSources() {
    const table = $("#sources-table");
    const tbody = table ? $("tbody", table) : null;
    const form = $("#register-form");
    const watching = new Set();

    const rowOf = (slug) => tbody && $$("tr[data-slug]", tbody).find((r) => r.dataset.slug === slug);
    const sourceOf = (row) => JSON.parse(row.dataset.source || "{}");

    async function reloadTable() {
      const r = await fetch("/sources/table", { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (r.status === 401 || r.redirected) { location.reload(); return; }
      if (!r.ok) throw new Error("could not reload the table (HTTP " + r.status + ")");
      // The server's own fragment: every value in it is escaped by HTML.escape.
      tbody.innerHTML = await r.text();
      for (const row of $$("tr[data-slug]", tbody)) {
        const s = sourceOf(row);
        if (!FINAL.has(s.status)) watch(s.slug);
      }
    }

    function updateRow(s) {
      const row = rowOf(s.slug);
      if (!row) return;
      row.dataset.source = JSON.stringify(s);
      const cell = (name) => $('[data-cell="' + name + '"]', row);
      const status = cell("status");
      if (status) status.replaceChildren(badge(s.enabled === false ? "disabled" : s.status));
      const entries = cell("entries");
      if (entries) entries.textContent = String(s.entryCount);
      const refreshed = cell("refreshed");
      if (refreshed) {
        refreshed.replaceChildren(s.lastRefreshAt ? el("time", { datetime: s.lastRefreshAt, text: humanDate(s.lastRefreshAt) })
          : el("span", { class: "muted", text: "never" }));
      }
      const error = cell("error");
      if (error) error.replaceChildren(s.lastError ? el("span", { class: "error-text", text: s.lastError }) : el("span", { class: "muted", text: "—" }));
      row.setAttribute("aria-busy", FINAL.has(s.status) ? "false" : "true");
    }

    // Polls one source until its refresh has an outcome, updating its row as it goes. With
    // `awaitNewRefresh`, an outcome counts only once lastRefreshAt differs from that value
    // (or an error arrives): after an OAuth sign-in the refresh is queued behind a "ready".
    async function watch(slug, awaitNewRefresh) {
      if (watching.has(slug)) return;
      watching.add(slug);
      try {
        const started = Date.now();
        while (Date.now() - started < 180000) {
          await sleep(600);
          let s;
          try { s = await api("GET", "/api/v1/sources/" + encodeURIComponent(slug)); } catch (e) {
            if (e.status === 404) return;
            continue;
          }
          updateRow(s);
          const stale = awaitNewRefresh !== undefined && s.status !== "error" && s.lastRefreshAt === awaitNewRefresh &&
            Date.now() - started < 60000;
          if (FINAL.has(s.status) && !stale) {
            if (s.status === "ready") toast(s.name + ": ready, " + s.entryCount + " entries");
            else if (s.status === "error") toast(s.name + ": refresh failed — " + (s.lastError || "unknown error"), true);
            else toast(s.name + ": " + s.status.replace(/_/g, " "));
            return;
          }
        }
      } finally {
        watching.delete(slug);
      }
    }

    // Examples fill the registration form.
    for (const b of $$("[data-example]")) {
      b.addEventListener("click", () => {
        const ex = JSON.parse(b.dataset.example);
        const typeRadio = form.querySelector('[name="type"][value="' + ex.type + '"]');
        if (typeRadio) typeRadio.checked = true;
        for (const k of ["slug", "name", "baseUrl", "specUrl", "headerName", "paramName"]) {
          if (form[k]) form[k].value = ex[k] || "";
        }
        form.authType.value = ex.authType || "none";
        form.secret.value = "";
        syncAuthFields(form);
        toast("Example filled in: check the URLs, then register");
        form.slug.focus();
      });
    }

    if (form) {
      syncAuthFields(form);
      form.addEventListener("change", () => syncAuthFields(form));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const errorBox = $(".form-error", form);
        errorBox.textContent = "";
        const type = form.querySelector('[name="type"]:checked').value;
        const body = {
          slug: form.slug.value.trim(), type, name: form.name.value.trim() || form.slug.value.trim(),
          baseUrl: form.baseUrl.value.trim() || null, specUrl: type === "openapi" ? (form.specUrl.value.trim() || null) : null,
          auth: authBody(form, false),
        };
        const button = $('button[type="submit"]', form);
        button.setAttribute("aria-busy", "true");
        button.disabled = true;
        try {
          const s = await api("POST", "/api/v1/sources", body);
          form.reset();
          syncAuthFields(form);
          toast("Registered " + s.name + "; its first refresh is queued");
          await reloadTable();
          watch(s.slug);
          const row = rowOf(s.slug);
          if (row) row.scrollIntoView({ block: "nearest" });
        } catch (err) {
          errorBox.textContent = err.message;
        } finally {
          button.removeAttribute("aria-busy");
          button.disabled = false;
        }
      });
    }

    // Edit dialog.
    const editDialog = $("#edit-dialog");
    const editForm = editDialog && $("form", editDialog);
    if (editForm) {
      editForm.addEventListener("change", () => syncAuthFields(editForm));
      $("[data-close]", editDialog).addEventListener("click", () => editDialog.close());
      editForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const errorBox = $(".form-error", editForm);
        errorBox.textContent = "";
        const slug = editForm.dataset.slug;
        const body = { name: editForm.name.value.trim(), baseUrl: editForm.baseUrl.value.trim() || null, auth: authBody(editForm, true) };
        if (editForm.dataset.sourceType === "openapi") body.specUrl = editForm.specUrl.value.trim() || null;
        try {
          const s = await api("PATCH", "/api/v1/sources/" + encodeURIComponent(slug), body);
          editDialog.close();
          toast("Saved " + s.name + (FINAL.has(s.status) ? "" : "; refreshing"));
          await reloadTable();
          if (!FINAL.has(s.status)) watch(slug);
        } catch (err) {
          errorBox.textContent = err.message;
        }
      });
    }

    function openEdit(s) {
      editForm.dataset.slug = s.slug;
      editForm.dataset.sourceType = s.type;
      $("#edit-title").textContent = "Edit " + s.name;
      editForm.name.value = s.name || "";
      editForm.baseUrl.value = s.baseUrl || "";
      editForm.specUrl.value = s.specUrl || "";
      editForm.authType.value = (s.auth && s.auth.type) || "none";
      editForm.headerName.value = (s.auth && s.auth.type === "header" && s.auth.headerName) || "";
      editForm.paramName.value = (s.auth && s.auth.type === "query" && s.auth.headerName) || "";
      editForm.secret.value = "";
      editForm.secret.placeholder = s.auth && s.auth.hasSecret ? "stored — type a new one to rotate it" : "";
      $(".form-error", editForm).textContent = "";
      syncAuthFields(editForm);
      editDialog.showModal();
      editForm.name.focus();
    }

    // Delete confirmation.
    const deleteDialog = $("#delete-dialog");
    let pendingDelete = null;
    if (deleteDialog) {
      $("[data-close]", deleteDialog).addEventListener("click", () => deleteDialog.close());
      $("form", deleteDialog).addEventListener("submit", async (e) => {
        e.preventDefault();
        const s = pendingDelete;
        if (!s) return;
        try {
          await api("DELETE", "/api/v1/sources/" + encodeURIComponent(s.slug));
          deleteDialog.close();
          toast("Deleted " + s.name);
          await reloadTable();
          $("#sources-heading").focus();
        } catch (err) {
          $(".form-error", deleteDialog).textContent = err.message;
        }
      });
    }

    // Row actions.
    if (tbody) {
      tbody.addEventListener("click", async (e) => {
        const b = e.target.closest("button[data-action]");
        if (!b) return;
        const row = b.closest("tr");
        const s = sourceOf(row);
        const slugPath = "/api/v1/sources/" + encodeURIComponent(s.slug);
        try {
          switch (b.dataset.action) {
            case "refresh":
              b.disabled = true;
              await api("POST", slugPath + "/refresh");
              updateRow(Object.assign({}, s, { status: "queued" }));
              toast("Refresh of " + s.name + " queued");
              b.disabled = false;
              watch(s.slug);
              break;
            case "toggle": {
              const updated = await api("PATCH", slugPath, { enabled: !s.enabled });
              toast(updated.name + (updated.enabled ? " enabled" : " disabled"));
              await reloadTable();
              const again = rowOf(s.slug);
              const btn = again && $('button[data-action="toggle"]', again);
              if (btn) btn.focus();
              break;
            }
            case "edit":
              openEdit(s);
              break;
            case "delete":
              pendingDelete = s;
              $("#delete-name").textContent = s.name + " (" + s.slug + ")";
              $(".form-error", deleteDialog).textContent = "";
              deleteDialog.showModal();
              break;
            case "connect":
              await connect(s);
              break;
          }
        } catch (err) {
          b.disabled = false;
          toast(err.message, true);
        }
      });
      for (const row of $$("tr[data-slug]", tbody)) {
        const s = sourceOf(row);
        if (!FINAL.has(s.status)) watch(s.slug);
      }
    }

    // OAuth for MCP sources: a popup opened on the click (so it is not blocked), pointed at
    // the upstream's authorization URL; a blocked popup falls back to a full redirect.
    async function connect(s) {
      const popup = window.open("", "junction-oauth", "popup=yes,width=560,height=720");
      let url;
      try {
        const r = await api("POST", "/api/v1/sources/" + encodeURIComponent(s.slug) + "/oauth/start", {});
        url = r.authorizationUrl;
      } catch (err) {
        if (popup) popup.close();
        throw err;
      }
      if (!popup || popup.closed) {
        toast("Popup blocked: continuing in this window");
        location.assign(url);
        return;
      }
      popup.location.href = url;
      toast("Authorize Junction in the popup window");
    }

    window.addEventListener("message", async (e) => {
      // Only Junction's own callback page may tell us the outcome.
      if (e.origin !== location.origin) return;
      const d = e.data;
      if (!d || typeof d !== "object" || !String(d.type || "").includes("oauth")) return;
      const slug = d.source || d.slug;
      const ok = d.ok !== false && !d.error && d.status !== "error";
      toast(ok ? "Connected" + (slug ? " " + slug : "") + "; refreshing its tools" : "Authorization failed: " + (d.error || d.message || "unknown error"), !ok);
      const before = slug && rowOf(slug) ? (sourceOf(rowOf(slug)).lastRefreshAt || null) : undefined;
      await reloadTable();
      if (slug && ok) watch(slug, before);
    });
  }

  // ---------------------------------------------------------------- catalog page
  function initCatalog() {
    const form = $("#catalog-form");
    const list = $("#hits");
    const count = $("#hit-count");
    if (!form || !list) return;
    let timer = null;
    let seq = 0;

    function render(results, q) {
      list.replaceChildren(...results.map((h) => el("li", { class: "hit" },
        el("div", { class: "hit-head" },
          el("code", { class: "hit-name", text: h.callName }),
          h.method ? el("span", { class: "method", text: h.method.toUpperCase() }) : null,
          h.path ? el("code", { class: "small muted", text: h.path }) : null,
          el("span", { class: "badge badge-off", text: h.source })),
        h.title ? el("div", { text: h.title }) : null,
        el("pre", { class: "hit-sig" }, el("code", { text: h.signature })),
        h.description && h.description !== h.title ? el("p", { class: "small muted", text: h.description.slice(0, 300) }) : null)));
      count.textContent = results.length === 0 ? "No matches" + (q ? " for “" + q + "”" : "") : results.length + (results.length === 1 ? " match" : " matches");
    }

    async function search() {
      const params = new URLSearchParams();
      const q = form.q.value.trim();
      if (q) params.set("q", q);
      if (form.source.value) params.set("source", form.source.value);
      params.set("limit", "50");
      const mine = ++seq;
      try {
        const data = await api("GET", "/api/v1/catalog?" + params.toString());
        if (mine !== seq) return;
        render(data.results, q);
        params.delete("limit");
        history.replaceState(null, "", "/catalog" + (params.toString() ? "?" + params.toString() : ""));
      } catch (err) {
        toast(err.message, true);
      }
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); search(); });
    form.q.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 220); });
    form.source.addEventListener("change", search);
  }

  // ---------------------------------------------------------------- endpoint page
  function initEndpoint() {
    const list = $("#tokens-body");
    const form = $("#token-form");
    if (!list || !form) return;

    function fillToken(token) {
      for (const n of $$("[data-token-slot]")) n.textContent = token;
    }

    async function load() {
      try {
        const data = await api("GET", "/api/v1/tokens");
        const tokens = (data.tokens || []).filter((t) => !t.revokedAt);
        if (tokens.length === 0) {
          list.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No tokens yet. Create one for each client." })));
          return;
        }
        list.replaceChildren(...tokens.map((t) => el("tr", {},
          el("td", { "data-label": "Name", text: t.name }),
          el("td", { "data-label": "Created" }, el("time", { datetime: t.createdAt, text: humanDate(t.createdAt) })),
          el("td", { "data-label": "Last used" }, t.lastUsedAt ? el("time", { datetime: t.lastUsedAt, text: humanDate(t.lastUsedAt) }) : el("span", { class: "muted", text: "never" })),
          el("td", { "data-label": "Actions" }, el("button", { type: "button", class: "btn btn-sm btn-danger", "data-revoke": t.id, "data-name": t.name, text: "Revoke" })))));
      } catch (err) {
        list.replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty", text: "Could not load tokens: " + err.message })));
      }
    }

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const errorBox = $(".form-error", form);
      errorBox.textContent = "";
      try {
        const r = await api("POST", "/api/v1/tokens", { name: form.tokenName.value.trim() || "token" });
        const token = r.token || (r.apiToken && r.apiToken.token);
        $("#new-token").value = token;
        $("#token-reveal").hidden = false;
        fillToken(token);
        form.reset();
        $("#new-token").focus();
        $("#new-token").select();
        await load();
      } catch (err) {
        errorBox.textContent = err.message;
      }
    });

    list.addEventListener("click", async (e) => {
      const b = e.target.closest("[data-revoke]");
      if (!b) return;
      if (!window.confirm("Revoke the token “" + b.dataset.name + "”? Clients using it stop working.")) return;
      try {
        await api("DELETE", "/api/v1/tokens/" + encodeURIComponent(b.dataset.revoke));
        toast("Revoked " + b.dataset.name);
        await load();
        form.tokenName.focus();
      } catch (err) {
        toast(err.message, true);
      }
    });
    load();
  }

  // ---------------------------------------------------------------- admin page
  function initAdmin() {
    const users = $("#users-body");
    const allow = $("#allow-body");
    const allowForm = $("#allow-form");
    if (!users) return;

    async function loadUsers() {
      try {
        const data = await api("GET", "/api/v1/admin/users");
        const rows = data.users || [];
        users.replaceChildren(...rows.map((u) => el("tr", { class: u.disabled ? "is-disabled" : null },
          el("td", { "data-label": "Email", text: u.email }),
          el("td", { "data-label": "Role", text: u.isAdmin ? "admin" : "user" }),
          el("td", { "data-label": "Status" }, badge(u.disabled ? "disabled" : "ok")),
          el("td", { "data-label": "Created" }, el("time", { datetime: u.createdAt || "", text: humanDate(u.createdAt) || "" })),
          el("td", { "data-label": "Actions" }, el("button", {
            type: "button", class: "btn btn-sm" + (u.disabled ? "" : " btn-danger"), "data-user": u.id,
            "data-disabled": u.disabled ? "1" : "0", "data-email": u.email, text: u.disabled ? "Enable" : "Disable" })))));
      } catch (err) {
        users.replaceChildren(el("tr", {}, el("td", { colspan: "5", class: "empty", text: "Could not load users: " + err.message })));
      }
    }
    async function loadAllow() {
      if (!allow) return;
      try {
        const data = await api("GET", "/api/v1/admin/allowlist");
        const rows = data.entries || data.allowlist || [];
        if (rows.length === 0) {
          allow.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty", text: "The allowlist is empty." })));
          return;
        }
        allow.replaceChildren(...rows.map((a) => el("tr", {},
          el("td", { "data-label": "Entry", text: (a.kind === "domain" ? "@" : "") + (a.value || "") }),
          el("td", { "data-label": "Added" }, el("time", { datetime: a.createdAt || "", text: humanDate(a.createdAt) || "" })),
          el("td", { "data-label": "Actions" }, el("button", { type: "button", class: "btn btn-sm btn-danger", "data-allow": a.id, text: "Remove" })))));
      } catch (err) {
        allow.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty", text: "Could not load the allowlist: " + err.message })));
      }
    }
    users.addEventListener("click", async (e) => {
      const b = e.target.closest("[data-user]");
      if (!b) return;
      const disable = b.dataset.disabled !== "1";
      try {
        await api("PATCH", "/api/v1/admin/users/" + encodeURIComponent(b.dataset.user), { disabled: disable });
        toast((disable ? "Disabled " : "Enabled ") + b.dataset.email);
        await loadUsers();
      } catch (err) { toast(err.message, true); }
    });
    if (allow) {
      allow.addEventListener("click", async (e) => {
        const b = e.target.closest("[data-allow]");
        if (!b) return;
        try {
          await api("DELETE", "/api/v1/admin/allowlist/" + encodeURIComponent(b.dataset.allow));
          toast("Removed from the allowlist");
          await loadAllow();
        } catch (err) { toast(err.message, true); }
      });
    }
    if (allowForm) {
      allowForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const errorBox = $(".form-error", allowForm);
        errorBox.textContent = "";
        try {
          const value = allowForm.pattern.value.trim();
          const isDomain = value.startsWith("@") || !value.includes("@");
          await api("POST", "/api/v1/admin/allowlist", isDomain ? { domain: value } : { email: value });
          allowForm.reset();
          toast("Added " + value);
          await loadAllow();
        } catch (err) { errorBox.textContent = err.message; }
      });
    }
    const userForm = $("#user-form");
    if (userForm) {
      userForm.addEventListener("submit", async (e) => {
        e.preventDefault();
        const errorBox = $(".form-error", userForm);
        errorBox.textContent = "";
        const body = { email: userForm.email.value.trim(), isAdmin: userForm.isAdmin.checked };
        if (userForm.password.value) body.password = userForm.password.value;
        try {
          await api("POST", "/api/v1/admin/users", body);
          userForm.reset();
          toast("Added " + body.email);
          await loadUsers();
        } catch (err) { errorBox.textContent = err.message; }
      });
    }
    loadUsers();
    loadAllow();
  }

  const page = document.body.dataset.page;
  if (page === "sources") initSources();
  if (page === "catalog") initCatalog();
  if (page === "endpoint") initEndpoint();
  if (page === "admin") initAdmin();
})();
"""#
}
