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

  // The admin status page: its live panel is the server's own fragment, fetched again
  // every few seconds (every value in it is escaped by HTML.escape).
  function initStatus() {
    const panel = $("#status-live");
    if (!panel) return;
    setInterval(async () => {
      try {
        const r = await fetch("/admin/status/live", { credentials: "same-origin", headers: { "Accept": "text/html" } });
        if (r.status === 401 || r.redirected) { location.reload(); return; }
        if (r.ok) panel.innerHTML = await r.text();
      } catch (err) { /* the next tick tries again */ }
    }, 5000);
  }

  const page = document.body.dataset.page;
  if (page === "admin-status") initStatus();
  if (page === "sources") initSources();
  if (page === "catalog") initCatalog();
  if (page === "endpoint") initEndpoint();
  if (page === "admin") initAdmin();
})();
