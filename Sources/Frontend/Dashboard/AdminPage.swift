import Foundation
import Hummingbird

/// `/admin` (administrators only): users with disable/enable, and the sign-in allowlist,
/// both through `/api/v1/admin/*`.
struct AdminPage {
    let session: WebSession

    func render() -> Response {
        let main: HTML = """
            <div class="page-head"><h1>Admin</h1><a class="btn" href="/admin/status">Live status</a></div>
            <section class="panel" aria-labelledby="users-h">
              <h2 id="users-h">Users</h2>
              <p class="small muted">A disabled user cannot sign in, and their tokens and sessions stop working at once.</p>
              <div class="table-wrap"><table class="stack">
                <caption class="sr-only">Users</caption>
                <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
                <tbody id="users-body"><tr><td colspan="5" class="empty">Loading…</td></tr></tbody>
              </table></div>
            </section>
            <section class="panel" aria-labelledby="add-user-h">
              <h2 id="add-user-h">Add a user</h2>
              <form id="user-form" class="searchbar">
                <div class="field">
                  <label for="user-email">Email</label>
                  <input id="user-email" name="email" type="email" required autocomplete="off">
                </div>
                <div class="field">
                  <label for="user-password">Password <span class="hint">optional; 10+ characters for a built-in account</span></label>
                  <input id="user-password" name="password" type="password" minlength="10" autocomplete="new-password">
                </div>
                <label class="inline"><input type="checkbox" name="isAdmin"> Administrator</label>
                <button type="submit" class="btn btn-primary">Add user</button>
                <p class="form-error" role="alert"></p>
              </form>
            </section>
            <section class="panel" aria-labelledby="allow-h">
              <h2 id="allow-h">Sign-in allowlist</h2>
              <p class="small muted">Who may create an account by signing in: an email address, or a domain such as <code>@example.com</code>.</p>
              <form id="allow-form" class="searchbar">
                <div class="field">
                  <label for="allow-pattern">Email or @domain</label>
                  <input id="allow-pattern" name="pattern" type="text" required autocomplete="off" placeholder="@example.com">
                </div>
                <button type="submit" class="btn btn-primary">Add</button>
                <p class="form-error" role="alert"></p>
              </form>
              <div class="table-wrap"><table class="stack">
                <caption class="sr-only">Allowlist</caption>
                <thead><tr><th scope="col">Entry</th><th scope="col">Added</th><th scope="col">Actions</th></tr></thead>
                <tbody id="allow-body"><tr><td colspan="3" class="empty">Loading…</td></tr></tbody>
              </table></div>
            </section>
            """
        return Layout.page(title: "Admin", section: .admin, session: session, main: main)
    }
}
