'use strict';

/**
 * Zero-downtime deploys for every function that serves an HTTP route (osls plugin, `custom.deployments`):
 *
 *  - a `live` alias on the function's new version, which API Gateway's integration and invoke permission
 *    target instead of the unqualified function (so `$LATEST` never serves traffic), carrying the stage's
 *    provisioned concurrency;
 *  - a CodeDeploy deployment group per function that moves the alias (`strategy`: AllAtOnce in dev, a canary
 *    in prod) only after the pre-traffic hook has warmed and checked the new version, and rolls back when
 *    the hook fails or an alarm fires;
 *  - the alarms that watch the new version during the shift: its 5xx replies (an embedded metric that
 *    lib/http/metrics.ts writes, since route() turns failures into replies and Lambda's Errors stays at 0),
 *    its errors (crashes, timeouts) and its throttles.
 *
 * Why our own and not serverless-plugin-canary-deployments: its 0.8.0 grants API Gateway permission on the
 * wrong alias once provisioned concurrency is set (its issue #94), and the fork that fixes it gives
 * CodeDeploy AWSLambda_FullAccess, watches alarms for all functions as one, and has few users. What is needed
 * here is small: rewrite two references per function and add four resources.
 *
 * It also finishes the per-function roles of serverless-iam-roles-per-function: network interface rights,
 * inline, for functions in a VPC (instead of AWSLambdaVPCAccessExecutionRole, which also grants every log
 * group), X-Ray's write rights for functions with active tracing, and no shared role that no function uses.
 */
class ZeroDowntimeDeploys {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    serverless.configSchemaHandler?.defineCustomProperties({
      type: 'object',
      properties: {
        deployments: {
          type: 'object',
          properties: {
            alias: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9-_]*$' },
            strategy: { type: 'string', pattern: '^[A-Za-z0-9]+$' },
            provisionedConcurrency: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\d+$' }] },
            preTrafficHook: { type: 'string' },
          },
          required: ['alias', 'strategy', 'preTrafficHook'],
          additionalProperties: false,
        },
      },
    });
    this.hooks = {
      // After every plugin and `resources:` have been merged, so the roles and the application exist.
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.compile(),
    };
  }

  get resources() {
    return this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
  }

  compile() {
    const settings = this.serverless.service.custom.deployments;
    const naming = this.provider.naming;
    const hook = naming.getLambdaLogicalId(settings.preTrafficHook);
    for (const required of ['CodeDeployApplication', 'CodeDeployServiceRole', hook]) {
      if (!this.resources[required])
        throw new this.serverless.classes.Error(`zero-downtime deploys need the resource ${required}`);
    }
    // Functions behind the API only: a scheduled function (the scenario check) serves no traffic to shift.
    const serving = this.serverless.service
      .getAllFunctions()
      .filter((name) =>
        (this.serverless.service.getFunction(name).events ?? []).some((event) => event.httpApi),
      );
    for (const name of serving) this.serveThroughAlias(name, settings, hook);
    this.letHookInvoke(hook, serving);
    this.finishRoles();
  }

  serveThroughAlias(name, settings, hook) {
    const naming = this.provider.naming;
    const fn = naming.getLambdaLogicalId(name);
    const base = naming.getNormalizedFunctionName(name);
    const version = this.versionOf(fn);
    const alias = `${base}Alias${pascal(settings.alias)}`;
    const group = `${base}DeploymentGroup`;
    const provisioned = Number(settings.provisionedConcurrency ?? 0);
    const alarms = this.alarmsFor(name, base, fn, version, settings.alias);

    this.resources[alias] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        FunctionName: { Ref: fn },
        FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
        Name: settings.alias,
        ...(provisioned > 0 && {
          ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: provisioned },
        }),
      },
      // A new version reaches the alias only through a CodeDeploy deployment of this group.
      UpdatePolicy: {
        CodeDeployLambdaAliasUpdate: {
          ApplicationName: { Ref: 'CodeDeployApplication' },
          DeploymentGroupName: { Ref: group },
          BeforeAllowTrafficHook: { Ref: hook },
        },
      },
    };
    this.resources[group] = {
      Type: 'AWS::CodeDeploy::DeploymentGroup',
      Properties: {
        ApplicationName: { Ref: 'CodeDeployApplication' },
        ServiceRoleArn: { 'Fn::GetAtt': ['CodeDeployServiceRole', 'Arn'] },
        DeploymentConfigName: `CodeDeployDefault.Lambda${settings.strategy}`,
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AlarmConfiguration: {
          Enabled: true,
          Alarms: Object.keys(alarms).map((id) => ({ Name: { Ref: id } })),
        },
        AutoRollbackConfiguration: {
          Enabled: true,
          Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
        },
      },
    };
    Object.assign(this.resources, alarms);
    this.retarget(fn, alias);
  }

  /** The AWS::Lambda::Version osls publishes for this deploy (its logical id changes with the code). */
  versionOf(fn) {
    const [id] =
      Object.entries(this.resources).find(
        ([, resource]) =>
          resource.Type === 'AWS::Lambda::Version' && resource.Properties.FunctionName.Ref === fn,
      ) ?? [];
    if (!id)
      throw new this.serverless.classes.Error(`${fn} has no published version: keep versionFunctions on`);
    return id;
  }

  /**
   * API Gateway integrations and invoke permissions name the alias, never the unqualified function. An
   * integration waits for the alias's permission, so it never points at an alias API Gateway may not invoke.
   */
  retarget(fn, alias) {
    const names = (value) => JSON.stringify(value).includes(`"${fn}"`);
    const of = (type, property) =>
      Object.entries(this.resources).filter(
        ([, resource]) => resource.Type === type && names(resource.Properties[property]),
      );
    const permissions = of('AWS::Lambda::Permission', 'FunctionName');
    for (const [, permission] of permissions) {
      permission.Properties.FunctionName = { Ref: alias };
      permission.DependsOn = dependsOn(permission, [alias]);
    }
    for (const [, integration] of of('AWS::ApiGatewayV2::Integration', 'IntegrationUri')) {
      integration.Properties.IntegrationUri = { Ref: alias };
      integration.DependsOn = dependsOn(
        integration,
        permissions.map(([id]) => id),
      );
    }
  }

  /** The hook may invoke the versions of the functions it checks, and nothing else. */
  letHookInvoke(hook, serving) {
    const naming = this.provider.naming;
    const role = this.resources[this.resources[hook].Properties.Role['Fn::GetAtt'][0]];
    role.Properties.Policies[0].PolicyDocument.Statement.push({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: serving.map((name) => ({ 'Fn::Sub': `\${${naming.getLambdaLogicalId(name)}.Arn}:*` })),
    });
  }

  /**
   * Alarms on what the new version does while CodeDeploy shifts traffic to it (the deployment group reads
   * them only during a deployment). Each is created with the version it watches, before the alias moves.
   */
  alarmsFor(name, base, fn, version, aliasName) {
    const functionName = { Ref: fn };
    const newVersion = { 'Fn::GetAtt': [version, 'Version'] };
    const onAlias = { 'Fn::Join': [':', [{ Ref: fn }, aliasName]] };
    const alarm = (metric, namespace, dimensions, threshold, description) => ({
      [`${base}${metric}Alarm`]: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmDescription: `${name}: ${description} (rolls back a deployment in progress)`,
          Namespace: namespace,
          MetricName: metric,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          // No requests, no data: that is not a failure.
          TreatMissingData: 'notBreaching',
        },
      },
    });
    return {
      // Exactly the dimensions lib/http/metrics.ts writes (Powertools adds `service`). A few 5xx a minute
      // (a 503 while the database fails over) should not undo a deploy; a broken version answers every
      // request that way.
      ...alarm(
        'Http5xx',
        'Conduit',
        { service: 'conduit-api', FunctionName: functionName, ExecutedVersion: newVersion },
        3,
        'the new version answered 5xx',
      ),
      // route() turns every failure into a reply, so an error here is a crash, a timeout or a failed init.
      ...alarm(
        'Errors',
        'AWS/Lambda',
        { FunctionName: functionName, Resource: onAlias, ExecutedVersion: newVersion },
        1,
        'the new version failed to run',
      ),
      // Lambda publishes both by alias and executed version, as the deployment needs them.
      ...alarm(
        'Throttles',
        'AWS/Lambda',
        { FunctionName: functionName, Resource: onAlias, ExecutedVersion: newVersion },
        1,
        'requests to the new version were throttled',
      ),
    };
  }

  finishRoles() {
    const naming = this.provider.naming;
    for (const name of this.serverless.service.getAllFunctions()) {
      const fn = this.resources[naming.getLambdaLogicalId(name)];
      const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
      const role = roleId && this.resources[roleId];
      if (!role || role.Type !== 'AWS::IAM::Role') continue;
      role.Properties.ManagedPolicyArns = (role.Properties.ManagedPolicyArns ?? []).filter(
        (arn) => !JSON.stringify(arn).includes('AWSLambdaVPCAccessExecutionRole'),
      );
      if (role.Properties.ManagedPolicyArns.length === 0) delete role.Properties.ManagedPolicyArns;
      if (fn.Properties.TracingConfig?.Mode === 'Active') {
        role.Properties.Policies[0].PolicyDocument.Statement.push({
          Effect: 'Allow',
          // Active tracing (provider.tracing.lambda) sends segments with the function's role; osls grants it
          // to the shared role only. AWS requires `*`: X-Ray's write actions have no resource-level permissions.
          Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          Resource: '*',
        });
      }
      if (fn.Properties.VpcConfig) {
        role.Properties.Policies[0].PolicyDocument.Statement.push({
          Effect: 'Allow',
          // Lambda creates and removes the function's network interfaces with its role. AWS requires `*`:
          // the Describe actions have no resource-level permissions, and the interfaces do not exist yet.
          Action: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          Resource: '*',
        });
      }
    }
    // osls always compiles a shared role; with a role per function nothing assumes it.
    const shared = naming.getRoleLogicalId();
    const template = JSON.stringify({ ...this.resources, [shared]: undefined });
    if (this.resources[shared] && !template.includes(`"${shared}"`)) delete this.resources[shared];
  }
}

function dependsOn(resource, ids) {
  return [...new Set([...[resource.DependsOn ?? []].flat(), ...ids])];
}

function pascal(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

module.exports = ZeroDowntimeDeploys;
