// A handler that does nothing: the benchmark measures Sluice, not the function.
export const handler = async () => undefined;
