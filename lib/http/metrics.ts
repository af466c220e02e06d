import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { lazy } from '#lib/lazy';
import { isSyntheticRequest } from '#lib/request-scope';

/**
 * The API's metrics, in CloudWatch embedded metric format: log lines CloudWatch turns into metrics, so the
 * request path makes no SDK call. Namespace `Conduit`; Powertools adds the `service` dimension
 * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and STAGE come from serverless.yml). The alarms and the
 * dashboard (deploy/observability-plugin.js, deploy/zero-downtime-plugin.js) read exactly these names and
 * dimensions.
 */
const metrics = lazy(
  () =>
    new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Conduit',
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'conduit-api',
    }),
);

const stage = () => process.env.STAGE || 'local';

export interface ServedRequest {
  /** API Gateway's route key: `GET /api/articles/{slug}`, or `$default` for the catch-all route. */
  route: string;
  status: number;
  latencyMs: number;
}

/**
 * One line per request: `Requests`, `Http4xx`, `Http5xx` (each 1 or 0) and `Latency`, by stage and route (the
 * dashboard and the p99 alarms). A 5xx also writes `Http5xx` by function and executed version, which the
 * deployment alarms watch on the version being deployed: a line of its own, since every metric of a line is
 * published under every dimension set of that line, and CloudWatch bills each name and dimension pair (by
 * version, that would be four new metrics per function at every deploy). The first request or warm-up of a
 * container also writes `ColdStart`.
 */
export function recordRequest(
  context: Pick<Context, 'functionName' | 'functionVersion'>,
  { route, status, latencyMs }: ServedRequest,
): void {
  const emf = metrics();
  emf.captureColdStartMetric(context.functionName);
  emf.addDimensions({ Stage: stage(), Route: route });
  emf.addMetric('Requests', MetricUnit.Count, 1);
  emf.addMetric('Http4xx', MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
  emf.addMetric('Http5xx', MetricUnit.Count, status >= 500 ? 1 : 0);
  emf.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
  emf.publishStoredMetrics();
  if (status < 500) return;
  const byVersion = emf.singleMetric();
  byVersion.addDimensions({ FunctionName: context.functionName, ExecutedVersion: context.functionVersion });
  byVersion.addMetric('Http5xx', MetricUnit.Count, 1);
}

/** A container that only warms up (the pre-traffic hook) has started cold all the same. */
export function recordColdStart(context: Pick<Context, 'functionName'>): void {
  metrics().captureColdStartMetric(context.functionName);
}

/** What the business counts: each is counted once the request that did it has succeeded. */
export type BusinessEvent = 'Registrations' | 'SignIns' | 'ArticlesCreated' | 'CommentsCreated' | 'Favorites';

/** How a user signed in: a password, a provider's ID token, or a refresh token. */
export type SignInMethod = 'password' | 'google' | 'apple' | 'kakao' | 'refresh';

/**
 * Counts one business event by stage (`SignIns` also by `Method`): a line of its own, so the count is not
 * multiplied over every route and version. The scenario check's requests count nothing, but sign-ins: any
 * client can send its user agent, and a burst of sign-ins (credential stuffing) must not hide behind it; the
 * check signs in only to clean up after a registration whose reply it lost.
 */
export function countEvent(event: BusinessEvent, dimensions: { Method?: SignInMethod } = {}): void {
  if (isSyntheticRequest() && event !== 'SignIns') return;
  const single = metrics().singleMetric();
  single.addDimensions({ Stage: stage(), ...dimensions });
  single.addMetric(event, MetricUnit.Count, 1);
}
