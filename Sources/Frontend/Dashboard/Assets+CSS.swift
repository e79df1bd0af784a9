extension Assets {
    /// The dashboard's one stylesheet (also used by the sign-in pages). System fonts only.
    static let css = #"""
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1c2230; --muted: #5d6678; --line: #dfe3ea;
  --accent: #3557d6; --accent-ink: #ffffff; --accent-soft: #e8edfd; --focus: #f0a500;
  --ok: #137a43; --ok-soft: #e1f4e9; --bad: #b3261e; --bad-soft: #fbe6e4; --busy: #8a5a00; --busy-soft: #fdf1d8;
  --off: #5d6678; --off-soft: #eceef2; --code-bg: #f0f2f6;
  --radius: 10px; --shadow: 0 1px 2px rgba(16,24,40,.06), 0 1px 3px rgba(16,24,40,.08);
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12151c; --panel: #1a1f29; --text: #e6e9ef; --muted: #9aa3b5; --line: #2c3342;
    --accent: #7d97ff; --accent-ink: #0d1020; --accent-soft: #232c4a; --focus: #ffc247;
    --ok: #5fd08f; --ok-soft: #173325; --bad: #ff8a80; --bad-soft: #3a1c1a; --busy: #ffc95c; --busy-soft: #3a2e12;
    --off: #9aa3b5; --off-soft: #262c38; --code-bg: #141820;
    --shadow: 0 1px 2px rgba(0,0,0,.4);
  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}
a { color: var(--accent); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
h1 { font-size: 1.6rem; margin: .2rem 0 1rem; letter-spacing: -.01em; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
p { margin: .4rem 0 .8rem; }
code, pre, kbd { font-family: var(--mono); font-size: .86em; }
code { background: var(--code-bg); padding: .1em .35em; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; overflow: auto;
      max-height: 28rem; white-space: pre-wrap; word-break: break-word; margin: .4rem 0 1rem; }
pre code { background: none; padding: 0; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.inline { display: inline; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip-link { position: absolute; left: -999px; top: .5rem; background: var(--panel); padding: .5rem .8rem; z-index: 10; border-radius: 6px; }
.skip-link:focus { left: .5rem; }

/* top bar */
.topbar { background: var(--panel); border-bottom: 1px solid var(--line); }
.topbar-inner { max-width: 1180px; margin: 0 auto; padding: .55rem 1.25rem; display: flex; align-items: center; gap: 1.25rem; flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 1.1rem; color: var(--text); text-decoration: none; display: flex; align-items: center; gap: .4rem; }
.brand-mark { width: 1.45rem; height: 1.45rem; display: block; }
.mainnav { min-width: 0; }
.nav { list-style: none; display: flex; gap: .15rem; margin: 0; padding: 0; flex-wrap: wrap; }
.nav a { display: block; padding: .4rem .7rem; border-radius: 7px; color: var(--muted); text-decoration: none; font-weight: 500; }
.nav a:hover { background: var(--accent-soft); color: var(--text); }
.nav a[aria-current="page"] { background: var(--accent-soft); color: var(--accent); }
.account { margin-left: auto; display: flex; align-items: center; gap: .6rem; min-width: 0; }
.account-email { color: var(--muted); font-size: .9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 16rem; }

main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; outline: none; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 1rem; flex-wrap: wrap; margin-bottom: .5rem; }
.page-head p { color: var(--muted); margin-top: -.6rem; }

/* panels and cards */
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
         padding: 1.1rem 1.25rem; margin: 0 0 1.25rem; }
.panel.narrow { max-width: 34rem; margin: 3rem auto; }
.panel > h2:first-child { margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 1rem; margin-bottom: 1.25rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.1rem; box-shadow: var(--shadow); }
a.card { color: inherit; text-decoration: none; transition: border-color .15s; }
a.card:hover { border-color: var(--accent); }
.card .num { font-size: 1.9rem; font-weight: 700; line-height: 1.1; color: var(--accent); }
.card .label { color: var(--muted); font-size: .9rem; }
.grid-2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.25rem; }
@media (max-width: 860px) { .grid-2 { grid-template-columns: minmax(0, 1fr); } }

/* buttons */
.btn { display: inline-flex; align-items: center; gap: .35rem; border: 1px solid var(--line); background: var(--panel); color: var(--text);
       font: inherit; font-weight: 500; font-size: .9rem; padding: .42rem .8rem; border-radius: 7px; cursor: pointer; text-decoration: none;
       min-height: 2.25rem; white-space: nowrap; }
.btn:hover { border-color: var(--muted); }
.btn-primary { background: var(--accent); color: var(--accent-ink); border-color: var(--accent); }
.btn-primary:hover { filter: brightness(1.08); border-color: var(--accent); }
.btn-danger { color: var(--bad); border-color: color-mix(in srgb, var(--bad) 40%, var(--line)); }
.btn-danger.solid { background: var(--bad); color: #fff; border-color: var(--bad); }
.btn-quiet { border-color: transparent; background: transparent; color: var(--muted); }
.btn-quiet:hover { color: var(--text); background: var(--accent-soft); border-color: transparent; }
.btn-sm { font-size: .82rem; padding: .25rem .55rem; min-height: 1.95rem; }
.btn[disabled], .btn[aria-busy="true"] { opacity: .6; cursor: progress; }
.actions { display: flex; flex-wrap: wrap; gap: .35rem; }

/* forms */
.form-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: .9rem 1rem; }
.form-grid.spaced { margin-top: .9rem; }
.field { display: flex; flex-direction: column; gap: .3rem; min-width: 0; }
.field.wide { grid-column: 1 / -1; }
label, .label-text { font-weight: 600; font-size: .88rem; }
.hint { color: var(--muted); font-size: .82rem; font-weight: 400; }
input[type=text], input[type=url], input[type=password], input[type=search], input[type=email], select, textarea {
  font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--line); border-radius: 7px;
  padding: .48rem .65rem; width: 100%; min-height: 2.4rem; }
input:focus-visible, select:focus-visible, textarea:focus-visible { border-color: var(--accent); }
input:user-invalid { border-color: var(--bad); }
.choices { display: flex; flex-wrap: wrap; gap: .4rem 1.5rem; }
.choices label { font-weight: 400; font-size: .95rem; display: inline-flex; gap: .45rem; align-items: center; cursor: pointer; }
.choices input { width: 1.05rem; height: 1.05rem; margin: 0; accent-color: var(--accent); }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem .9rem; margin: 0; min-width: 0; }
legend { font-weight: 600; font-size: .88rem; padding: 0 .3rem; }
.form-actions { display: flex; gap: .6rem; align-items: center; margin-top: 1rem; flex-wrap: wrap; }
.form-error { color: var(--bad); background: var(--bad-soft); border-radius: 7px; padding: .5rem .75rem; margin: .8rem 0 0; }
.form-error:empty { display: none; }
.examples { display: flex; flex-wrap: wrap; gap: .5rem; margin: .2rem 0 1rem; }
.example { text-align: left; display: flex; flex-direction: column; align-items: flex-start; gap: .1rem; white-space: normal;
           max-width: 17rem; padding: .5rem .75rem; }
.example .hint { font-weight: 400; }
.searchbar { display: flex; gap: .6rem; flex-wrap: wrap; align-items: flex-end; }
.searchbar .field { flex: 1 1 14rem; }
.searchbar .field.narrow { flex: 0 1 12rem; }

/* tables */
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .6rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tbody tr:hover { background: color-mix(in srgb, var(--accent-soft) 45%, transparent); }
td.num { font-variant-numeric: tabular-nums; }
tbody th { text-transform: none; letter-spacing: normal; font-size: .95rem; color: var(--text); font-weight: 600; }
.error-text { color: var(--bad); font-size: .85rem; max-width: 22rem; overflow-wrap: anywhere; }
.empty { color: var(--muted); text-align: center; padding: 2rem 1rem; }
.slug { display: block; color: var(--muted); font-family: var(--mono); font-size: .8rem; }
tr.is-disabled td:not(:last-child) { opacity: .6; }

/* badges */
.badge { display: inline-block; font-size: .76rem; font-weight: 600; padding: .12rem .5rem; border-radius: 999px; white-space: nowrap; }
.badge-ok { color: var(--ok); background: var(--ok-soft); }
.badge-bad { color: var(--bad); background: var(--bad-soft); }
.badge-busy { color: var(--busy); background: var(--busy-soft); }
.badge-off { color: var(--off); background: var(--off-soft); }
.badge-warn { color: var(--busy); background: var(--busy-soft); }
.badge-busy::before { content: ""; display: inline-block; width: .55em; height: .55em; margin-right: .35em; border-radius: 50%;
                      border: 2px solid currentColor; border-right-color: transparent; animation: spin .8s linear infinite; vertical-align: -.05em; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .badge-busy::before { animation: none; } }

/* catalog */
.hits { list-style: none; margin: 0; padding: 0; }
.hit { border-bottom: 1px solid var(--line); padding: .8rem 0; }
.hit:last-child { border-bottom: 0; }
.hit-head { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.hit-name { font-family: var(--mono); font-weight: 600; font-size: .95rem; overflow-wrap: anywhere; }
.hit-sig { margin: .35rem 0 .25rem; font-size: .82rem; max-height: 10rem; }
.method { font-family: var(--mono); font-size: .72rem; font-weight: 700; padding: .05rem .4rem; border-radius: 4px; background: var(--off-soft); color: var(--muted); }

/* endpoint */
.copy-row { display: flex; gap: .5rem; align-items: stretch; }
.copy-row input { font-family: var(--mono); font-size: .9rem; }
.config { position: relative; }
.config pre { padding-right: 5rem; }
.config .copy-btn { position: absolute; right: .5rem; top: .5rem; }
.token-reveal { border: 1px solid var(--ok); background: var(--ok-soft); border-radius: 8px; padding: .75rem 1rem; margin: .8rem 0; }
.token-reveal[hidden] { display: none; }
.tabs { display: flex; gap: .25rem; flex-wrap: wrap; border-bottom: 1px solid var(--line); margin-bottom: .75rem; }
.tabs button { border: 0; background: none; font: inherit; padding: .5rem .8rem; color: var(--muted); cursor: pointer; border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tabs button[aria-selected="true"] { color: var(--accent); border-bottom-color: var(--accent); font-weight: 600; }

/* execution detail */
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.2rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); font-size: .88rem; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.pager { display: flex; justify-content: flex-end; margin-top: 1rem; }

/* dialogs and toast */
dialog { border: 1px solid var(--line); border-radius: 12px; padding: 0; width: min(40rem, calc(100vw - 2rem)); background: var(--panel); color: var(--text);
         box-shadow: 0 20px 50px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(15, 20, 30, .45); }
dialog form { padding: 1.2rem 1.3rem; }
dialog h2 { margin-top: 0; }
.toast { position: fixed; bottom: 1.2rem; left: 50%; transform: translateX(-50%); background: var(--text); color: var(--bg);
         padding: .6rem 1rem; border-radius: 8px; font-size: .9rem; box-shadow: var(--shadow); max-width: calc(100vw - 2rem); z-index: 20; }
.toast:empty { display: none; }
.toast.bad { background: var(--bad); color: #fff; }

/* sign-in pages (AuthPages: body.auth > main.auth-card, labels wrapping their inputs) */
body.auth { min-height: 100vh; display: flex; align-items: center; justify-content: center; padding: 1.5rem; margin: 0; }
body.auth::before { content: ""; position: fixed; inset: 0 0 auto 0; height: 4px; background: var(--accent); }
main.auth-card { margin: 0; max-width: none; }
.auth-card h1::before { content: ""; display: block; width: 2.2rem; height: 2.2rem; margin-bottom: .9rem; border-radius: 8px;
  background: url("/assets/favicon.svg") center / contain no-repeat; }
.auth-card label { display: flex; flex-direction: column; gap: .3rem; }
.auth-card form + form, .auth-card form + p, .auth-card p + form { margin-top: .8rem; }
.auth-card button, .auth-card a.button { font: inherit; font-weight: 600; border-radius: 8px; padding: .6rem 1rem; min-height: 2.6rem; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); width: 100%; text-align: center; text-decoration: none; display: block; }
.auth-card button:hover, .auth-card a.button:hover { filter: brightness(1.08); }
.auth-card a.button { background: var(--panel); color: var(--text); border-color: var(--line); }
.auth-card button[value="deny"] { background: var(--panel); color: var(--text); border-color: var(--line); margin-top: .5rem; }
.auth-card .error { color: var(--bad); background: var(--bad-soft); border-radius: 8px; padding: .55rem .8rem; }
.auth-card dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: .5rem 0 1rem; }
.auth-card dt { color: var(--muted); font-size: .88rem; }
.auth-card dd { margin: 0; overflow-wrap: anywhere; }
.auth-card p { color: var(--muted); }
.auth-wrap { min-height: 100vh; display: flex; align-items: center; justify-content: center; padding: 1.5rem; }
.auth-card { width: min(26rem, 100%); background: var(--panel); border: 1px solid var(--line); border-radius: 14px; box-shadow: var(--shadow); padding: 1.6rem 1.6rem 1.3rem; }
.auth-card h1 { font-size: 1.35rem; }
.auth-card form { display: flex; flex-direction: column; gap: .8rem; }
.auth-card .btn { justify-content: center; width: 100%; }
.divider { display: flex; align-items: center; gap: .6rem; color: var(--muted); font-size: .82rem; margin: 1rem 0; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }

/* phone width: tables become stacked cards */
@media (max-width: 700px) {
  body { font-size: 15px; }
  .topbar-inner { padding: .5rem .8rem; gap: .4rem .8rem; }
  .mainnav { order: 3; width: 100%; overflow-x: auto; }
  .nav { flex-wrap: nowrap; }
  .nav a { padding: .35rem .55rem; }
  .account-email { display: none; }
  main { padding: 1rem .8rem 3rem; }
  .panel { padding: .9rem .9rem; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .75rem; padding: .35rem .6rem; }
  table.stack td { border: 0; padding: .3rem 0; display: grid; grid-template-columns: 7.5rem minmax(0, 1fr); gap: .5rem; }
  table.stack td::before { content: attr(data-label); color: var(--muted); font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; padding-top: .15rem; }
  table.stack td.empty { display: block; }
  table.stack td > .btn { justify-self: start; }
  table.stack td.empty::before { content: none; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .4rem; }
}
"""#
}
