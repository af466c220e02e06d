import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  InvokeCommand,
  LambdaClient,
  TooManyRequestsException,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { reportMarginMs, runPreTrafficHook, warmUpHoldMs } from '#lib/deploy/pre-traffic';
import { warmUpSource } from '#lib/deploy/warm-up';
import { clearCapturedLines, logLines } from '../support/log-capture';

const codeDeploy = mockClient(CodeDeployClient);
const lambda = mockClient(LambdaClient);
const event = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'hook-execution-1' };
const plenty = () => 100_000;

/** The AppSpec CloudFormation hands CodeDeploy when it moves an alias (one function per deployment). */
const appSpec = (name: string, target: string) =>
  JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [name]: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: name, Alias: 'live', CurrentVersion: '6', TargetVersion: target },
        },
      },
    ],
    Hooks: [{ BeforeAllowTraffic: 'CodeDeployHook_conduit-api-dev-preTraffic' }],
  });

/** A function's reply as Lambda's Invoke returns it (the SDK wraps the bytes; the hook only reads them). */
const payload = (value: unknown) =>
  Buffer.from(JSON.stringify(value)) as unknown as InvokeCommandOutput['Payload'];

const ready = (version = '7') => ({
  StatusCode: 200,
  Payload: payload({ status: 'ready', function: 'conduit-api-dev-listTags', version }),
});

function deploymentOf(name: string, target: string) {
  codeDeploy.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      applicationName: 'conduit-api-dev',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'abc' } },
    },
  });
  codeDeploy
    .on(GetApplicationRevisionCommand)
    .resolves({ revision: { revisionType: 'String', string: { content: appSpec(name, target) } } });
}

const reported = () =>
  codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map(({ args }) => args[0].input);

beforeEach(() => {
  codeDeploy.reset();
  lambda.reset();
  deploymentOf('conduit-api-dev-listTags', '7');
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  clearCapturedLines();
});

describe('the pre-traffic hook', () => {
  it('warms N environments of the new version and reports Succeeded when every one is ready', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(ready());

    // Act
    const status = await runPreTrafficHook(event, { environments: 3, remainingMs: plenty });

    // Assert
    expect(status).toBe('Succeeded');
    const invokes = lambda.commandCalls(InvokeCommand).map(({ args }) => args[0].input);
    expect(invokes).toHaveLength(3);
    for (const input of invokes) {
      expect(input).toMatchObject({ FunctionName: 'conduit-api-dev-listTags', Qualifier: '7' });
      expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({
        source: warmUpSource,
        holdMs: warmUpHoldMs,
      });
    }
    expect(codeDeploy.commandCalls(GetApplicationRevisionCommand)[0]!.args[0].input).toEqual({
      applicationName: 'conduit-api-dev',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: 'abc' } },
    });
    expect(reported()).toEqual([
      { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-execution-1', status: 'Succeeded' },
    ]);
  });

  it('reports Failed when one environment of the version fails its warm-up', async () => {
    // Arrange: the second environment cannot reach its database
    lambda
      .on(InvokeCommand)
      .resolvesOnce(ready())
      .resolvesOnce({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorType: 'Error', errorMessage: 'connect ETIMEDOUT' }),
      })
      .resolves(ready());

    // Act
    const status = await runPreTrafficHook(event, { environments: 3, remainingMs: plenty });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(JSON.stringify(logLines().filter(({ level }) => level === 'ERROR'))).toContain(
      'connect ETIMEDOUT',
    );
  });

  it('reports Failed when a version answers anything but ready', async () => {
    // Arrange: an old bundle that does not know the warm-up event handles it as a request
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ statusCode: 500, body: '{}' }),
    });

    // Act
    const status = await runPreTrafficHook(event, { environments: 1, remainingMs: plenty });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('reports Failed in time when a warm-up never answers', async () => {
    // Arrange: the invoke hangs (ignoring the abort signal); the hook has 1.5 s before its report margin
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();

    // Act
    const status = await runPreTrafficHook(event, {
      environments: 2,
      remainingMs: () => reportMarginMs + 1_500 - (Date.now() - started),
    });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(Date.now() - started).toBeLessThan(1_500 + 1_000);
  });

  it('reports Failed when the invokes are throttled', async () => {
    // Arrange
    lambda
      .on(InvokeCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: {}, Type: 'User' }));

    // Act
    const status = await runPreTrafficHook(event, { environments: 2, remainingMs: plenty });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('reports Failed when it cannot read the deployment (its own crash)', async () => {
    // Arrange
    codeDeploy.on(GetDeploymentCommand).rejects(new Error('AccessDeniedException'));

    // Act
    const status = await runPreTrafficHook(event, { environments: 1, remainingMs: plenty });

    // Assert
    expect(status).toBe('Failed');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('reports Failed when the AppSpec names no function version', async () => {
    // Arrange
    codeDeploy
      .on(GetApplicationRevisionCommand)
      .resolves({ revision: { revisionType: 'String', string: { content: '{"version":0.0}' } } });

    // Act
    const status = await runPreTrafficHook(event, { environments: 1, remainingMs: plenty });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('reports Failed when its own options crash before any check', async () => {
    // Act
    const status = await runPreTrafficHook(event, {
      environments: 1,
      remainingMs: () => {
        throw new TypeError('context is not a Lambda context');
      },
    });

    // Assert
    expect(status).toBe('Failed');
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('retries the report when CodeDeploy does not take it at first', async () => {
    // Arrange
    lambda.on(InvokeCommand).resolves(ready());
    codeDeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .resolves({});

    // Act
    const status = await runPreTrafficHook(event, { environments: 1, remainingMs: plenty });

    // Assert
    expect(status).toBe('Succeeded');
    expect(reported()).toEqual([
      expect.objectContaining({ status: 'Succeeded' }),
      expect.objectContaining({ status: 'Succeeded' }),
    ]);
  });
});
