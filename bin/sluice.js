#!/usr/bin/env node
// Runs the compiled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).

// The AWS SDK prints a multi-line notice on Node < 22 the first time a client is built
// (its releases from January 2027 need Node 22). Sluice supports every Node line in
// package.json's engines, so for every command that notice would only bury Sluice's own
// one-line errors and the first lines of its logs. Set before any SDK module loads (hence
// the dynamic import below); a value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

await import('../dist/cli/main.js');
