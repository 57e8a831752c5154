/**
 * NecroStack: events, organs and a spine.
 * The Redis Streams backend has its own entry point, `necrostack/redis`.
 */

/** A primary and a secondary backend as one: enqueues fail over, consumers read both. */
export {
  FailoverBackend,
  type FailoverHealthDetails,
  type FailoverMetrics,
} from "./backends/failover/failover-backend.js";
export type { FailoverBackendOptions } from "./backends/failover/options.js";
export { InMemoryBackend, type InMemoryBackendOptions } from "./backends/in-memory.js";
/** Several backends as one: routing by event type, with exactly-once forwarding between them. */
export { Bridge, type BridgeMetrics, type BridgeOptions } from "./backends/routing/bridge.js";
export { ForwardTargetError, NoRouteError } from "./backends/routing/errors.js";
export type { ForwardMetrics } from "./backends/routing/forwarder.js";
export type { Route, RoutingBackendOptions } from "./backends/routing/options.js";
export {
  type RouteInfo,
  RoutingBackend,
  type RoutingHealthDetails,
} from "./backends/routing/routing-backend.js";
/** Backends: where events wait between organs. */
export type {
  Backend,
  BackendCapabilities,
  BackendHealth,
  ReleaseOptions,
  SyncBackendOps,
} from "./core/backend.js";
/** The event catalog: event types with their Standard Schemas and versions, typed events and organs. */
export {
  Catalog,
  type CatalogEntry,
  type CatalogEventInit,
  type CatalogHandler,
  defineEvents,
  type EventsOf,
  isCatalog,
} from "./core/catalog/catalog.js";
export {
  CatalogDefinitionError,
  EmittedEventInvalidError,
  NewerSchemaVersionError,
  ReceivedEventInvalidError,
  UnknownEventTypeError,
} from "./core/catalog/errors.js";
export { isStandardSchema, type StandardSchemaV1 } from "./core/catalog/standard-schema.js";
export { CatalogOrgan, type CatalogOrganClass } from "./core/catalog/typed-organ.js";
export type {
  CatalogEvent,
  CatalogResult,
  EventDefinition,
  EventDefinitions,
  PayloadOf,
  SchemaOf,
  TypeOf,
  Upcaster,
  VersionedEventDefinition,
} from "./core/catalog/types.js";
export {
  decorators,
  type EventMap,
  type EventOf,
  type HandlerDecorator,
  type HandlerMethod,
  type HandlerMethodContext,
  type OnDecorator,
  on,
  organsOf,
  retry,
  type TypedDecorators,
  timeout,
  use,
} from "./core/decorators.js";
/** Errors: every one extends NecroStackError and has a stable `code`. */
export {
  BackendClosedError,
  BackendFullError,
  BackendUnavailableError,
  EnqueueError,
  EventValidationError,
  HandlerError,
  HandlerTimeoutError,
  InvalidOptionError,
  MaxStepsExceededError,
  NecroStackError,
  type ValidationIssue,
} from "./core/errors.js";
/** Events: the immutable, validated messages that flow between organs. */
export { Event, type EventInit, type EventJSON, type EventWire } from "./core/event.js";
export type { FailedEvent, FailureStage } from "./core/failed-events.js";
export { type FunctionOrgan, type OrganOptions, organ } from "./core/function-organ.js";
/** The handler pipeline: what a handler gets, and middleware around it. */
export type {
  Handler,
  HandlerContext,
  HandlerResult,
  Middleware,
  OrganInfo,
} from "./core/handler.js";
/** Headers: string metadata beside an event's payload, and the names NecroStack reserves. */
export {
  EMPTY_HEADERS,
  type EventHeaders,
  HEADER,
  MAX_HEADERS,
  MAX_HEADERS_BYTES,
  type ReservedHeaderName,
} from "./core/headers.js";
export {
  EMPTY_PAYLOAD,
  type JsonArray,
  type JsonObject,
  type JsonValue,
  MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_DEPTH,
} from "./core/json.js";
/** Logging: NecroStack's JSON line format through pino. */
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./core/logging.js";
/** Observers: what the Spine reports as it works (logs and stats are two of them). */
export type { EnqueueFailure, RunInfo, SpineObserver } from "./core/observer.js";
/** Organs: handler classes, function organs and decorated handler methods. */
export { Organ } from "./core/organ.js";
/** The schema registry: payload schemas per type and version, shared by every process. */
export { catalogSchemas } from "./core/registry/catalog-schemas.js";
export {
  type CompatibilityIssue,
  type CompatibilityIssueKind,
  CompatibilityMode,
  checkCompatibility,
  DEFAULT_COMPATIBILITY,
  type JsonSchema,
} from "./core/registry/compatibility.js";
export {
  SchemaConflictError,
  SchemaRegistryBusyError,
  type SchemaRegistryIssue,
} from "./core/registry/errors.js";
export {
  type DescribableSchema,
  describeSchema,
  type JsonSchemaConverter,
  type JsonSchemaDocument,
  jsonSchemaDocument,
  type OpaqueSchemaDocument,
  type SchemaDocument,
} from "./core/registry/schema-document.js";
export {
  SchemaRegistry,
  type SchemaRegistryOptions,
  type SchemaReport,
  type SchemaTypeSummary,
} from "./core/registry/schema-registry.js";
export {
  InMemorySchemaRegistryStore,
  type RegisteredSchema,
  type SchemaRegistryStore,
  type SchemaTypeRecord,
  type SchemaTypeWrite,
} from "./core/registry/store.js";
export type {
  SchemaConflict,
  SchemaConflictReason,
  SchemaSubmission,
  SchemaVerdict,
} from "./core/registry/verdict.js";
/** Retries: per event type policies and one backoff formula. */
export { RetriesExhaustedError } from "./core/retry-policy.js";
export type { RetryPolicies, RetryPolicy } from "./core/retry-policy-types.js";
/** The Spine: the dispatcher that runs organs over a backend. */
export { type RunOptions, type RunUntil, Spine } from "./core/spine.js";
export {
  type DedupeOptions,
  EnqueueFailureMode,
  HandlerFailureMode,
  type SpineOptions,
  type ValidateOptions,
} from "./core/spine-options.js";
export type { SpineStats } from "./core/stats.js";
export type { TimestampInput } from "./core/timestamp.js";
export { type BackoffOptions, backoff } from "./utils/backoff.js";

/** Utilities. */
export { maskSecrets, maskUrl } from "./utils/redact.js";
