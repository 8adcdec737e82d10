/** The shard's lease moved (a fenced write, or a renewal saw it taken): the shard stops at once, writing nothing more. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}
