import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

/**
 * `Http5xx`, in CloudWatch embedded metric format: one log line per 5xx reply, no SDK call on the request
 * path. route() turns failures into replies, so Lambda's own Errors metric never sees them; the deployment
 * alarms (deploy/zero-downtime-plugin.js) watch this count on the version being deployed, with exactly these
 * dimensions. Loaded on the first 5xx only, so a healthy container never pays for it.
 */
const metrics = new Metrics({ namespace: 'Conduit', serviceName: 'conduit-api' });

export function countServerError(context: Pick<Context, 'functionName' | 'functionVersion'>): void {
  metrics.addDimensions({ FunctionName: context.functionName, ExecutedVersion: context.functionVersion });
  metrics.addMetric('Http5xx', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
