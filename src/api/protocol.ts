/** What api.md §1–§2 fixes about the wire, shared by the routes and the error answers. */

export const ESM_PATH = '/2015-03-31/event-source-mappings';
export const TAGS_PATH = '/2017-03-31/tags';

/** Bodies above 1 MiB fail with V2a (chosen, api.md §1). */
export const MAX_BODY_BYTES = 1_048_576;
