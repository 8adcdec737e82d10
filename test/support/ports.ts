/** Free TCP ports: the product's own helper, shared with `sluice dev`. */
export { getFreePort, getFreePorts } from '../../src/dev/emulators/index.js';
