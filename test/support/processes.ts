/**
 * Child processes in their own process group (emulators, `sluice` children): the
 * product's own helper, shared with `sluice dev`.
 */
export { spawnManaged, type ManagedProcess, type SpawnManagedOptions } from '../../src/dev/emulators/index.js';
