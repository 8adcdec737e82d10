/** Entry of the orphan guard process (orphan-guard.ts): `node orphan-guard-main.js <dir> <owner pid>`. */
import { runOrphanGuard } from './orphan-guard.js';

const [dir, owner] = process.argv.slice(2);
if (dir === undefined || !/^\d+$/.test(owner ?? '')) {
  process.stderr.write('usage: orphan-guard-main.js <dir> <owner pid>\n');
  process.exit(2);
}
await runOrphanGuard(dir, Number(owner));
