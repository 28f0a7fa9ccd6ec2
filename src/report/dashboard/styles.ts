/**
 * The dashboard's stylesheet (inline, pinned by hash in the CSP; system fonts only, so the
 * page needs nothing from the network). Status and severity are always spelled out in text;
 * colour only reinforces them. Full-width tables use `100cqi` of their scrolling wrapper.
 */
export const DASHBOARD_CSS = `
:root {
  color-scheme: light;
  --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --surface: #ffffff;
  --brand: #0f2a44; --brand-ink: #e8eef5; --accent: #0b5cad; --accent-soft: #e7f0fb;
  --ok: #1a7f37; --ok-bg: #dcfce4; --warn: #8a5a00; --warn-bg: #fff4c2;
  --bad: #b42318; --bad-bg: #fee4e2; --neutral: #4b5563; --neutral-bg: #eef1f4;
  --mono: ui-monospace, "SFMono-Regular", "Cascadia Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--soft); }
body { margin: 0; font: 15px/1.5 var(--sans); color: var(--ink); background: var(--soft); }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
code { font-family: var(--mono); font-size: 0.86em; background: var(--neutral-bg); border: 1px solid #e1e6eb; border-radius: 4px; padding: 0 0.3em; overflow-wrap: break-word; }
h1, h2, h3 { line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 0 0 0.25rem; }
h3 { font-size: 1.05rem; margin: 0; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 16px; top: 8px; z-index: 10; background: #fff; padding: 6px 10px; border-radius: 4px; }

/* Header: dataset identity */
.masthead { background: var(--brand); color: var(--brand-ink); padding: 22px 0 18px; }
.masthead .eyebrow { margin: 0; font-size: 0.78rem; letter-spacing: 0.08em; text-transform: uppercase; color: #9fb3c8; }
.masthead h1 { margin: 2px 0 12px; font-size: 1.7rem; color: #fff; overflow-wrap: anywhere; }
.masthead code { background: rgba(255,255,255,0.1); border-color: rgba(255,255,255,0.2); color: #fff; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 8px 24px; margin: 0; }
.facts div { min-width: 0; }
.facts dt { font-size: 0.74rem; text-transform: uppercase; letter-spacing: 0.06em; color: #9fb3c8; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.months { display: flex; flex-wrap: wrap; gap: 4px; list-style: none; margin: 0; padding: 0; }
.months li { background: rgba(255,255,255,0.1); border-radius: 999px; padding: 0 8px; font-size: 0.85rem; }

nav.toc { background: var(--surface); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 5; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: 2px 18px; list-style: none; margin: 0; padding: 8px 0; font-size: 0.9rem; }
nav.toc a { text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }

main { padding: 24px 0 40px; }
main > section, .card { scroll-margin-top: 56px; }
main > section { margin: 0 0 28px; }
.lede { margin: 0 0 12px; color: var(--muted); max-width: 80ch; }

/* Summary band */
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; margin: 12px 0 0; }
.tile { background: var(--surface); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
.tile dt { font-size: 0.8rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
.tile dd { margin: 0; }
.tile .big { display: block; font-size: 1.7rem; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.tile .sub { font-size: 0.84rem; color: var(--muted); }
.tile .statuses { display: flex; flex-wrap: wrap; gap: 4px 10px; list-style: none; margin: 2px 0; padding: 0; }
.tile.primary { border-top: 4px solid var(--accent); }

/* Tables */
.table-wrap { container-type: inline-size; overflow-x: auto; background: var(--surface); border: 1px solid var(--line); border-radius: 8px; }
table { min-width: 100cqi; border-collapse: collapse; font-size: 0.9rem; }
caption { caption-side: top; text-align: left; padding: 10px 12px 6px; font-weight: 600; color: var(--muted); font-size: 0.85rem; }
th, td { padding: 8px 12px; text-align: left; vertical-align: top; border-top: 1px solid var(--line); }
thead th { background: var(--soft); font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
thead th.num { white-space: normal; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
td.text { min-width: 26ch; }
.basis, .what { display: block; color: var(--muted); font-size: 0.82rem; font-weight: 400; margin-top: 2px; }
.figure { font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; }
.not-modeled { color: var(--muted); font-style: italic; }
.empty { padding: 14px; color: var(--muted); margin: 0; }
.chain { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 4px; align-items: center; }
.chain li { display: inline-flex; align-items: center; gap: 4px; }
.chain li + li::before { content: "\\2192" / ""; color: var(--muted); }
.procs { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 3px 4px; }
td.impact { min-width: 28ch; }
.targets { margin: 4px 0 0; padding: 0; list-style: none; font-size: 0.85rem; color: var(--muted); }

button.sort { font: inherit; text-transform: inherit; letter-spacing: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
button.sort::after { content: "\\2195" / ""; margin-left: 4px; opacity: 0.5; }
th[aria-sort="ascending"] button.sort::after { content: "\\2191" / ""; opacity: 1; }
th[aria-sort="descending"] button.sort::after { content: "\\2193" / ""; opacity: 1; }

/* Filter controls (revealed by the script) */
.controls { container-type: inline-size; display: flex; flex-wrap: wrap; align-items: end; gap: 10px 16px; margin: 0 0 10px; }
.controls label { display: flex; flex-direction: column; font-size: 0.8rem; color: var(--muted); gap: 2px; }
.controls select, .controls button { font: inherit; font-size: 0.9rem; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--surface); color: var(--ink); }
.controls select { max-width: 100cqi; }
.controls button { cursor: pointer; }
.controls [role="status"] { font-size: 0.85rem; color: var(--muted); margin-left: auto; }
table.is-filtered caption::after { content: " (filtered)"; }

/* Badges: text always present, colour and a shape reinforce it */
.badge { display: inline-flex; align-items: center; gap: 4px; border-radius: 999px; padding: 0 8px; font-size: 0.8rem; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.b-ok { color: var(--ok); background: var(--ok-bg); }
.b-warn { color: var(--warn); background: var(--warn-bg); }
.b-warn::before { border-radius: 1px; transform: rotate(45deg); }
.b-bad { color: var(--bad); background: var(--bad-bg); }
.b-bad::before { border-radius: 1px; }
.b-neutral { color: var(--neutral); background: var(--neutral-bg); border-color: #dde2e7; }
.b-neutral::before { background: none; border: 1.5px solid currentColor; }
.action { font-weight: 600; }
.action code { font-weight: 400; }

/* Batch sequence cards */
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(520px, 100vw - 48px), 1fr)); gap: 14px; }
.card { background: var(--surface); border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 8px; padding: 14px 16px; min-width: 0; break-inside: avoid; }
.card header { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 4px 12px; align-items: baseline; }
.card .rank { font-size: 0.85rem; color: var(--muted); }
.card .chain { margin: 10px 0; font-size: 1rem; }
.card .chain li:not(:first-child)::before { font-size: 1.1rem; }
.card .step { font-size: 0.75rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 8px 0; font-size: 0.9rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.card table { font-size: 0.85rem; }
.card .table-wrap { margin: 10px 0; }
.boundary { margin: 8px 0; font-size: 0.9rem; }
.links { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 10px 0 0; padding: 0; list-style: none; font-size: 0.9rem; }

.violations { margin: 12px 0 0; background: var(--surface); border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 8px; padding: 10px 16px; }
.violations h3 { margin-bottom: 2px; }
.violations h4 { margin: 8px 0 0; font-size: 0.92rem; }
.violations ul { margin: 4px 0 10px; padding-left: 20px; font-size: 0.88rem; }

footer.colophon { border-top: 1px solid var(--line); color: var(--muted); font-size: 0.82rem; padding: 14px 0 28px; }

@media (max-width: 640px) {
  .wrap { padding: 0 12px; }
  .masthead h1 { font-size: 1.35rem; }
}
@media print {
  html, body { background: #fff; font-size: 11px; }
  nav.toc, .controls, .skip { display: none !important; }
  .masthead { background: #fff; color: var(--ink); border-bottom: 2px solid var(--ink); padding: 0 0 8px; }
  .masthead h1, .masthead code { color: var(--ink); }
  .masthead .eyebrow, .facts dt { color: var(--muted); }
  .months li { background: var(--neutral-bg); }
  tr[hidden] { display: table-row !important; }
  .table-wrap { overflow: visible; border: 0; }
  table { min-width: 0; }
  td.text, td.impact { min-width: 0; }
  th, td { padding: 4px 6px; }
  th button.sort::after { content: none !important; }
  code { border: 0; padding: 0; background: none; }
  thead { display: table-header-group; }
  tr, .card, .tile { break-inside: avoid; }
  .links a::after { content: " (" attr(href) ")"; color: var(--muted); }
  main > section { break-before: auto; }
}
`;
