/** The console's one stylesheet, served from /console.css (the CSP allows styles from 'self' only). */
export const CONSOLE_CSS = `
:root { --ink: #1d2433; --muted: #4a5468; --line: #d5dae3; --accent: #1f4fd1; --bad: #a3141b; --good: #17663a; --bg: #fff; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header .brand { font-weight: 700; margin-right: auto; color: var(--ink); text-decoration: none; }
main { padding: 1rem 1.2rem 3rem; max-width: 80rem; }
a { color: var(--accent); }
/* Dark ring, 3px: 15:1 on the white page; the yellow before it had 1.6:1, and a focus ring needs 3:1 (WCAG 1.4.11, w3.org/WAI/WCAG21/Understanding/non-text-contrast). */
a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid var(--ink); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #f3f5f9; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--good); font-weight: 600; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: .5rem 0 1rem; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; min-width: 10rem; }
.cards strong { display: block; font-size: 1.3rem; }
form.inline { display: inline; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin: .5rem 0 1rem; }
label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
label.check { flex-direction: row; align-items: center; gap: .3rem; }
input, select, textarea, button { font: inherit; }
button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .35rem .8rem; cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
ins { background: #d8f5df; color: #0b4d22; text-decoration: underline; }
del { background: #fbdcdc; color: #7a0b10; }
.notice { border-left: 4px solid var(--accent); background: #eef3ff; padding: .5rem .8rem; margin: .5rem 0 1rem; }
.error { border-left: 4px solid var(--bad); background: #fdeeee; padding: .5rem .8rem; margin: .5rem 0 1rem; }
.diff { white-space: pre-wrap; overflow-wrap: anywhere; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem; }
nav.pages { display: flex; gap: 1rem; margin: 1rem 0; }
svg.chart { max-width: 36rem; height: auto; }
figure.trend { margin: 0 0 1.5rem; } .key-line { color: var(--accent); font-weight: 600; }
@media print { header, form, nav.pages, .noprint { display: none; } body { font-size: 11pt; } a { color: inherit; text-decoration: none; } }
`;
