/** The dashboard's stylesheet (inline in the page: no build step, no second request). */
export const DASHBOARD_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e4e7ec;
  --accent: #2563eb; --accent-soft: rgba(37, 99, 235, 0.12); --in: #98a2b3;
  --ok: #12805c; --ok-soft: #e3f4ec; --warn: #b54708; --warn-soft: #fef0c7; --bad: #c0262d; --bad-soft: #fde8e8;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; gap: 24px; padding: 14px 28px; background: #101828; color: #f2f4f7; }
header h1 { margin: 0; font-size: 18px; font-weight: 650; letter-spacing: 0.2px; }
header h1 span { color: #98a2b3; font-weight: 400; }
header nav { display: flex; gap: 16px; margin-left: auto; }
header a { color: #c7d7fe; text-decoration: none; }
header a:hover { text-decoration: underline; }
#updated { color: #98a2b3; font-size: 12px; min-width: 150px; text-align: right; }
main { padding: 20px 28px 40px; max-width: 1440px; margin: 0 auto; }
#error { display: none; margin-bottom: 16px; padding: 10px 14px; border-radius: 8px; background: var(--bad-soft); color: var(--bad); }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 22px; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.4px; }
.tile .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }
.tile.bad .value { color: var(--bad); }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; margin-bottom: 22px; overflow: hidden; }
section > h2 { margin: 0; padding: 12px 16px; font-size: 15px; font-weight: 620; border-bottom: 1px solid var(--line); display: flex; align-items: baseline; gap: 10px; }
section > h2 small { color: var(--muted); font-weight: 400; font-size: 12px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: 0.4px; color: var(--muted); font-weight: 600; padding: 8px 12px; background: #fafbfc; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 9px 12px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: var(--mono); font-size: 12px; }
.sub { color: var(--muted); font-size: 12px; }
.clip { max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 560; background: #eef2f6; color: #344054; white-space: nowrap; }
.badge.Enabled, .badge.OPEN, .badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.Disabled, .badge.FINISHED { background: #eef2f6; color: #475467; }
.badge.Creating, .badge.Enabling, .badge.Disabling, .badge.Updating, .badge.Deleting, .badge.CLOSED, .badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.error, .badge.PROBLEM { background: var(--bad-soft); color: var(--bad); }
.src { font-size: 11px; text-transform: uppercase; letter-spacing: 0.5px; color: var(--muted); }
.result.problem { color: var(--bad); }
.chart { display: block; }
.legend { display: inline-flex; gap: 12px; font-size: 11px; color: var(--muted); font-weight: 400; }
.legend i { display: inline-block; width: 10px; height: 3px; border-radius: 2px; margin-right: 4px; vertical-align: middle; }
.empty { padding: 16px; color: var(--muted); }
.failed { color: var(--bad); }
tr.group td { background: #fafbfc; padding-top: 12px; }
.group-name { font-weight: 600; margin-right: 10px; }
`;
