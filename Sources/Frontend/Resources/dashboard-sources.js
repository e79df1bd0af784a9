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
        const body = type === "stdio" ? {
          slug: form.slug.value.trim(), type, name: form.name.value.trim() || form.slug.value.trim(), server: form.server.value,
          secrets: Object.fromEntries($$('[data-secret-name]', form).filter((i) => !i.disabled).map((i) => [i.dataset.secretName, i.value])),
        } : {
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
        const body = editForm.dataset.sourceType === "stdio" ? { name: editForm.name.value.trim() }
          : { name: editForm.name.value.trim(), baseUrl: editForm.baseUrl.value.trim() || null, auth: authBody(editForm, true) };
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

