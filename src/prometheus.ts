/**
 * `necrostack/prometheus`: Prometheus metrics of a Spine, as an observer. Needs the optional
 * peer dependency `prom-client` (>=15); the core entry `necrostack` never loads it.
 */

export type { BackendLevels } from "./prometheus/backend-gauges.js";
/** The observer and its registry. */
export { createMetrics, type PrometheusMetrics } from "./prometheus/create-metrics.js";
/** Its error; extends NecroStackError. */
export { PromClientMissingError } from "./prometheus/errors.js";
export type { MetricsOptions } from "./prometheus/options.js";
export { REASON_KINDS, type ReasonKind, reasonKindOf } from "./prometheus/reason-kind.js";
/** The names it exports, and the fixed label values. */
export { METRIC_NAMES } from "./prometheus/register.js";
export { OTHER, OUTCOMES, type Outcome } from "./prometheus/series.js";
