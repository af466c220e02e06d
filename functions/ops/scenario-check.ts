import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { log, useLambdaContext } from '#lib/log';
import { runScenario, type ScenarioResult } from '#lib/scenario/scenario';

/**
 * The scenario check (lib/scenario/scenario.ts) on a schedule: walks a user's path through this stage's public
 * URL, logs the outcome and publishes it. A failed scenario is an outcome, not an error: the handler resolves
 * with it, so Lambda's Errors metric counts only the check's own crashes (a wrong SCENARIO_URL, a bug), and the
 * alarm watches ScenarioSucceeded.
 */
export async function handler(_event: ScheduledEvent, context: Context): Promise<ScenarioResult> {
  useLambdaContext(context);
  const url = process.env.SCENARIO_URL ?? '';
  // A wrong setting is the check's own failure, not the API's: a crash, for Lambda's Errors metric.
  if (!URL.canParse(url)) throw new Error(`SCENARIO_URL must be the API's base URL, not "${url}"`);

  const result = await runScenario(url);
  publish(result);
  const { ok, durationMs, steps, skipped } = result;
  if (ok) log.info('scenario passed', { url, durationMs, steps });
  else log.error('scenario failed', { url, durationMs, steps, skipped });
  return result;
}

/**
 * In CloudWatch embedded metric format, under exactly these names and dimensions, which the stage's alarms
 * and dashboard read (Powertools adds `service`): ScenarioSucceeded (1 or 0) and ScenarioDuration by Stage;
 * StepSucceeded (1 or 0) and StepLatency by Stage and Step, for each step that ran (a skipped one has no
 * latency, and its failure is already counted where the path stopped).
 */
function publish({ ok, durationMs, steps }: ScenarioResult): void {
  // One per run, built now: it reads the environment in force, and carries nothing over between runs.
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Conduit',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'conduit-api',
    defaultDimensions: { Stage: process.env.STAGE || 'local' },
  });

  metrics.addMetric('ScenarioSucceeded', MetricUnit.Count, ok ? 1 : 0);
  metrics.addMetric('ScenarioDuration', MetricUnit.Milliseconds, durationMs);
  metrics.publishStoredMetrics();

  // A line per step: publishing clears the added dimensions (not the default ones), so each names its step.
  for (const step of steps) {
    metrics.addDimension('Step', step.name);
    metrics.addMetric('StepSucceeded', MetricUnit.Count, step.ok ? 1 : 0);
    metrics.addMetric('StepLatency', MetricUnit.Milliseconds, step.latencyMs);
    metrics.publishStoredMetrics();
  }
}
