import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { log } from '#lib/log';
import { warmUpEvent, type WarmUpReply } from './warm-up';
import { lazy } from '#lib/lazy';

/**
 * CodeDeploy's BeforeAllowTraffic hook. CodeDeploy runs it once per function deployment (each API function
 * has a deployment group of its own), with the deployment's id; before any traffic moves it:
 *  1. reads the deployment's AppSpec to learn which function and which new version it moves;
 *  2. invokes that version `environments` times at once with a warm-up event (lib/deploy/warm-up.ts): each
 *     loads the bundle, fetches the secrets, checks the database and answers `ready`, writing nothing;
 *  3. reports Succeeded only if every warm-up answered ready in time, and Failed in every other case: a
 *     function error, a timeout, a throttled invoke, a deployment it cannot read, or its own crash. Failed
 *     makes CodeDeploy roll the alias back (it never moved).
 * It always reports before its own timeout: a hook that never reports stalls the deployment for an hour.
 */
export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

export interface HookOptions {
  /** Environments to start per function at once. */
  environments: number;
  /** Milliseconds left before the hook itself is stopped (Lambda's context.getRemainingTimeInMillis). */
  remainingMs: () => number;
}

/** Time kept back from the hook's own timeout to report the verdict. */
export const reportMarginMs = 10_000;
/** How long each warm-up holds its environment, so simultaneous warm-ups land on distinct environments. */
export const warmUpHoldMs = 1_000;

interface Target {
  name: string;
  version: string;
}

// Built on first use, inside the try: a hook that failed at load could not report anything.
const aws = lazy(() => ({ codeDeploy: new CodeDeployClient({}), lambda: new LambdaClient({}) }));

export async function runPreTrafficHook(
  event: HookEvent,
  options: HookOptions,
): Promise<'Succeeded' | 'Failed'> {
  let status: 'Succeeded' | 'Failed' = 'Failed';
  try {
    const deadline = AbortSignal.timeout(Math.max(options.remainingMs() - reportMarginMs, 0));
    const targets = await beforeDeadline(targetsOf(event.DeploymentId, deadline), deadline);
    await beforeDeadline(
      Promise.all(targets.map((target) => warm(target, options.environments, deadline))),
      deadline,
    );
    log.info('pre-traffic checks passed', {
      deploymentId: event.DeploymentId,
      targets,
      environments: options.environments,
    });
    status = 'Succeeded';
  } catch (error) {
    log.error('pre-traffic checks failed: the deployment will roll back', {
      deploymentId: event.DeploymentId,
      error: { name: (error as Error)?.name, message: (error as Error)?.message },
    });
  }
  await report(event, status);
  return status;
}

/** `work`, or a rejection once `deadline` passes, whichever comes first (whether or not `work` heeds the signal). */
function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const expire = () => reject(new Error('the checks ran out of time'));
    if (deadline.aborted) return expire();
    deadline.addEventListener('abort', expire, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expire));
  });
}

/** The functions and new versions the deployment moves, from its AppSpec (what CloudFormation handed CodeDeploy). */
async function targetsOf(deploymentId: string, signal: AbortSignal): Promise<Target[]> {
  const { codeDeploy } = aws();
  const { deploymentInfo } = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }), {
    abortSignal: signal,
  });
  if (!deploymentInfo?.applicationName || !deploymentInfo.revision)
    throw new Error(`deployment ${deploymentId} has no application revision`);
  const { revision } = await codeDeploy.send(
    new GetApplicationRevisionCommand({
      applicationName: deploymentInfo.applicationName,
      revision: deploymentInfo.revision,
    }),
    { abortSignal: signal },
  );
  const content = revision?.string?.content ?? revision?.appSpecContent?.content;
  const resources = (JSON.parse(content ?? '{}') as AppSpec).Resources ?? [];
  const targets = resources.flatMap((entry) =>
    Object.values(entry)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map(({ Properties }) => ({
        name: Properties?.Name ?? '',
        version: String(Properties?.TargetVersion ?? ''),
      })),
  );
  if (targets.length === 0 || targets.some(({ name, version }) => !name || !version))
    throw new Error(`deployment ${deploymentId} names no function version to check`);
  return targets;
}

interface AppSpec {
  Resources?: Record<
    string,
    { Type?: string; Properties?: { Name?: string; TargetVersion?: string | number } }
  >[];
}

/** `environments` warm-ups of one version at once; the first that is not `ready` fails them all. */
async function warm({ name, version }: Target, environments: number, signal: AbortSignal): Promise<void> {
  const { lambda } = aws();
  const payload = Buffer.from(JSON.stringify(warmUpEvent(warmUpHoldMs)));
  await Promise.all(
    Array.from({ length: environments }, async () => {
      const reply = await lambda.send(
        new InvokeCommand({ FunctionName: name, Qualifier: version, Payload: payload }),
        { abortSignal: signal },
      );
      const body = reply.Payload ? Buffer.from(reply.Payload).toString('utf8') : '';
      if (reply.FunctionError)
        throw new Error(`${name}:${version} failed its warm-up: ${body.slice(0, 500)}`);
      const answer = JSON.parse(body || 'null') as WarmUpReply | null;
      if (answer?.status !== 'ready') throw new Error(`${name}:${version} answered ${body.slice(0, 200)}`);
    }),
  );
}

/** Tells CodeDeploy the verdict, retrying briefly: CodeDeploy waits for it, and the SDK's retries may not suffice. */
async function report(event: HookEvent, status: 'Succeeded' | 'Failed'): Promise<void> {
  const command = new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status,
  });
  for (let attempt = 1; ; attempt++) {
    try {
      await aws().codeDeploy.send(command);
      log.info('pre-traffic verdict reported', { deploymentId: event.DeploymentId, status });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
