export { summarize, MISSING_IDS_CAP, type Report, type Summary, type SeriesPoint, type LatencySummary } from './summarize.js';
export { renderHtml } from './html.js';
export { checkThresholds, type Thresholds } from './thresholds.js';
export { compareReports } from './compare.js';
export { writeReport } from './write.js';
export { METRICS, formatNumber } from './metrics.js';
export { summaryTable, textTable } from './table.js';
export { readReport } from './read.js';
