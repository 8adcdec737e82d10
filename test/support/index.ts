/**
 * Test-bed helpers for test files. (The emulator global setup itself lives in
 * ./emulators.ts and is wired in vitest.config.ts; do not import it from tests.)
 */
export * from './endpoints.js';
export * from './poll.js';
export * from './clients.js';
export * from './recording-target.js';
