/**
 * The dashboard page (`GET /`): one HTML document with its style and script inline, served
 * by the API server itself (no front-end build, no second request; chosen: the page is a
 * few hundred lines, drawn with plain DOM calls and inline SVG, no chart library).
 */
import { DASHBOARD_SCRIPT } from './page-script.js';
import { DASHBOARD_CSS } from './page-style.js';

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sluice dashboard</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1>Sluice <span>dashboard</span></h1>
  <nav><a href="/ui/">Queue (bull-board)</a><a href="/metrics">Metrics</a></nav>
  <div id="updated">loading…</div>
</header>
<main>
  <div id="error" role="alert"></div>
  <div id="content"></div>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

/**
 * Only the page's own inline style and script run, and it talks only to this server (the
 * data route). Inline scripts are allowed because nothing of the server's data is ever
 * written into the document as markup: the script sets text.
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
