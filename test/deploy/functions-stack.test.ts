import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import path from 'node:path';
import {
  loadTemplate,
  referenceProblems,
  schemaProblems,
  type Template as CloudFormationTemplate,
} from '../support/cloudformation';
import {
  deployedStages,
  resourcesOfType,
  root,
  template,
  type Resource,
  type Stage,
  type Template,
} from '../support/packaging';

// The functions' stack as `serverless package` generates it for each deployed stage: traffic reaches every
// API function only through its CodeDeploy-managed `live` alias, each deployment is warmed and checked by
// the pre-traffic hook and rolled back on failure or alarm, and every role holds only what its function uses.
const hook = 'PreTrafficHookLambdaFunction';
const scenarioCheck = 'ScenarioCheckLambdaFunction';
/** The notification relay (on a schedule) and worker (on the queue): no route, no alias. */
const relay = 'NotificationRelayLambdaFunction';
const worker = 'NotificationWorkerLambdaFunction';
/** The routes that answer from their bundle alone: no secrets, no database. */
const codeAlone = ['functions/routes/not-found.handler', 'functions/reference/get.handler'];

interface Stack {
  stage: Stage;
  template: Template;
  resources: Template['Resources'];
  /** Logical ids of the functions API Gateway routes to. */
  serving: string[];
}

function stack(stage: Stage): Stack {
  const parsed = template(stage).template;
  const integrated = resourcesOfType(parsed, 'AWS::ApiGatewayV2::Integration').map(
    ([, integration]) =>
      parsed.Resources[integration.Properties.IntegrationUri.Ref]!.Properties.FunctionName.Ref,
  );
  return { stage, template: parsed, resources: parsed.Resources, serving: [...new Set<string>(integrated)] };
}

const stacks = deployedStages.map(stack);
const each = test.each(stacks.map((s) => [s.stage, s] as const));

const aliasOf = ({ resources }: Stack, fn: string): [string, Resource] => {
  const found = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Alias' && r.Properties.FunctionName.Ref === fn,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
};

const versionOf = ({ resources }: Stack, fn: string) =>
  Object.entries(resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Version' && r.Properties.FunctionName.Ref === fn,
  )![0];

const statementsOf = (role: Resource): any[] =>
  role.Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);

each(
  '%s: every API function is invoked only through its `live` alias, on the version just published',
  (_, s) => {
    const functions = resourcesOfType(s.template, 'AWS::Lambda::Function').map(([id]) => id);
    // Every function but the deploy-time ones (the hook, migrations), the scheduled scenario check and the
    // notification relay and worker serves a route.
    expect(s.serving.sort()).toEqual(
      functions
        .filter((id) => ![hook, 'MigrateLambdaFunction', scenarioCheck, relay, worker].includes(id))
        .sort(),
    );
    for (const fn of s.serving) {
      const [, alias] = aliasOf(s, fn);
      expect(alias.Properties).toMatchObject({
        Name: 'live',
        FunctionName: { Ref: fn },
        FunctionVersion: { 'Fn::GetAtt': [versionOf(s, fn), 'Version'] },
      });
    }
  },
);

each(
  '%s: every integration and invoke permission targets a `live` alias, never the unqualified function',
  (_, s) => {
    const integrations = resourcesOfType(s.template, 'AWS::ApiGatewayV2::Integration');
    // All but EventBridge's, to invoke the scheduled functions (the scenario check's has its own test).
    const permissions = resourcesOfType(s.template, 'AWS::Lambda::Permission').filter(
      ([, permission]) =>
        ![scenarioCheck, relay].includes(permission.Properties.FunctionName['Fn::GetAtt']?.[0]),
    );
    expect(integrations).toHaveLength(s.serving.length);
    expect(permissions).toHaveLength(s.serving.length);
    const liveAliases = resourcesOfType(s.template, 'AWS::Lambda::Alias')
      .filter(([, alias]) => alias.Properties.Name === 'live')
      .map(([id]) => id);
    for (const [, integration] of integrations)
      expect(liveAliases).toContain(integration.Properties.IntegrationUri.Ref);
    for (const [, permission] of permissions) {
      expect(liveAliases).toContain(permission.Properties.FunctionName.Ref);
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      // The permission exists only once the alias does.
      expect(permission.DependsOn).toContain(permission.Properties.FunctionName.Ref);
    }
    // The integration and the permission of each route name the same alias.
    const integrated = integrations.map(([, i]) => i.Properties.IntegrationUri.Ref).sort();
    const permitted = permissions.map(([, p]) => p.Properties.FunctionName.Ref).sort();
    expect(permitted).toEqual(integrated);
    // An integration is updated only once API Gateway may invoke the alias it names.
    for (const [, integration] of integrations) {
      const permission = permissions.find(
        ([, p]) => p.Properties.FunctionName.Ref === integration.Properties.IntegrationUri.Ref,
      )!;
      expect(integration.DependsOn).toContain(permission[0]);
    }
  },
);

each(
  '%s: CodeDeploy moves each alias, after the pre-traffic hook, and rolls back on failure and on alarm',
  (_, s) => {
    for (const fn of s.serving) {
      const [, alias] = aliasOf(s, fn);
      const update = alias.UpdatePolicy!.CodeDeployLambdaAliasUpdate;
      expect(update).toEqual({
        ApplicationName: { Ref: 'CodeDeployApplication' },
        DeploymentGroupName: { Ref: expect.any(String) },
        BeforeAllowTrafficHook: { Ref: hook },
      });
      const group = s.resources[update.DeploymentGroupName.Ref]!;
      expect(group.Type).toBe('AWS::CodeDeploy::DeploymentGroup');
      expect(group.Properties).toMatchObject({
        ApplicationName: { Ref: 'CodeDeployApplication' },
        ServiceRoleArn: { 'Fn::GetAtt': ['CodeDeployServiceRole', 'Arn'] },
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        AutoRollbackConfiguration: { Enabled: true },
        AlarmConfiguration: { Enabled: true },
      });
      expect(group.Properties.AutoRollbackConfiguration.Events).toEqual(
        expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']),
      );
    }
    const groups = resourcesOfType(s.template, 'AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(s.serving.length);
  },
);

each(
  "%s: each deployment group watches its own function's new version: 5xx replies, errors and throttles",
  (_, s) => {
    for (const fn of s.serving) {
      const [, alias] = aliasOf(s, fn);
      const group = s.resources[alias.UpdatePolicy!.CodeDeployLambdaAliasUpdate.DeploymentGroupName.Ref]!;
      const alarms = group.Properties.AlarmConfiguration.Alarms.map(
        ({ Name }: any) => s.resources[Name.Ref]!,
      );
      const byMetric = Object.fromEntries(
        alarms.map((a: Resource) => [a.Properties.MetricName, a.Properties]),
      );
      expect(Object.keys(byMetric).sort()).toEqual(['Errors', 'Http5xx', 'Throttles']);
      const newVersion = { 'Fn::GetAtt': [versionOf(s, fn), 'Version'] };
      expect(byMetric.Http5xx).toMatchObject({
        Namespace: 'Conduit',
        Dimensions: [
          { Name: 'service', Value: 'conduit-api' },
          { Name: 'FunctionName', Value: { Ref: fn } },
          { Name: 'ExecutedVersion', Value: newVersion },
        ],
      });
      expect(byMetric.Errors).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: expect.arrayContaining([
          { Name: 'FunctionName', Value: { Ref: fn } },
          { Name: 'ExecutedVersion', Value: newVersion },
        ]),
      });
      expect(byMetric.Throttles).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: expect.arrayContaining([
          { Name: 'FunctionName', Value: { Ref: fn } },
          { Name: 'ExecutedVersion', Value: newVersion },
        ]),
      });
      for (const alarm of alarms) {
        expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
        expect(alarm.Properties).toMatchObject({ Period: 60, TreatMissingData: 'notBreaching' });
      }
    }
  },
);

test('dev moves all traffic at once; prod sends 10% for 5 minutes first', () => {
  const strategies = (s: Stack) =>
    new Set(
      resourcesOfType(s.template, 'AWS::CodeDeploy::DeploymentGroup').map(
        ([, g]) => g.Properties.DeploymentConfigName,
      ),
    );

  expect(strategies(stacks[0]!)).toEqual(new Set(['CodeDeployDefault.LambdaAllAtOnce']));
  expect(strategies(stacks[1]!)).toEqual(new Set(['CodeDeployDefault.LambdaCanary10Percent5Minutes']));
});

test('provisioned concurrency sits on the same `live` alias: none in dev, 1 per function in prod', () => {
  const [dev, prod] = stacks as [Stack, Stack];
  for (const [s, expected] of [
    [dev, undefined],
    [prod, { ProvisionedConcurrentExecutions: 1 }],
  ] as const) {
    const aliases = resourcesOfType(s.template, 'AWS::Lambda::Alias');
    // No second alias (such as osls's `provisioned`) that API Gateway could be granted instead.
    expect(aliases).toHaveLength(s.serving.length);
    for (const [, alias] of aliases) expect(alias.Properties.ProvisionedConcurrencyConfig).toEqual(expected);
  }
});

each(
  '%s: the hook is a deploy-time function CodeDeploy may invoke, outside the VPC, warming N environments',
  (_, s) => {
    const { Properties } = s.resources[hook]!;
    // AWSCodeDeployRoleForLambdaLimited invokes only functions whose name starts with CodeDeployHook_.
    expect(Properties.FunctionName).toBe(`CodeDeployHook_conduit-api-${s.stage}-preTraffic`);
    expect(Properties.VpcConfig).toBeUndefined();
    expect(Properties.Environment.Variables.WARM_ENVIRONMENTS).toBe(s.stage === 'prod' ? '3' : '1');
    expect(s.serving).not.toContain(hook);
  },
);

each('%s: CodeDeploy acts with the limited AWS-managed policy, not full Lambda access', (_, s) => {
  const role = s.resources.CodeDeployServiceRole!;
  expect(role.Properties.ManagedPolicyArns).toEqual([
    { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited' },
  ]);
  expect(role.Properties.Policies).toBeUndefined();
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
    { Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ]);
});

/** What a function may do beyond reading its secrets and writing its logs. */
const ownGrants: Record<string, unknown[]> = {
  // The avatar form is signed with its role's credentials: that role alone may put avatars.
  'functions/user/image.handler': [
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: { 'Fn::Sub': '${AvatarBucket.Arn}/avatars/*' } },
  ],
  'functions/notifications/relay.handler': [
    {
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: { 'Fn::GetAtt': ['NotificationQueue', 'Arn'] },
    },
  ],
  'functions/notifications/worker.handler': [
    {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [{ 'Fn::GetAtt': ['NotificationQueue', 'Arn'] }],
    },
    {
      Effect: 'Allow',
      Action: ['ses:SendEmail'],
      Resource: {
        'Fn::Sub': 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/conduit.example.com',
      },
    },
  ],
};

each('%s: each function has a role of its own that lists only its own resources', (_, s) => {
  const functions = resourcesOfType(s.template, 'AWS::Lambda::Function');
  const roles = new Set(functions.map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0]));
  expect(roles.size).toBe(functions.length);
  // No shared role left behind, and no role that no function uses.
  const allRoles = resourcesOfType(s.template, 'AWS::IAM::Role').map(([id]) => id);
  expect(allRoles.sort()).toEqual([...roles, 'CodeDeployServiceRole'].sort());
  const arn = (service: string, resource: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
  });

  for (const [id, fn] of functions) {
    const role = s.resources[fn.Properties.Role['Fn::GetAtt'][0]]!;
    const granted = statementsOf(role);
    // Every function sends its X-Ray traces (provider.tracing.lambda) with its own role.
    const tracing = {
      Effect: 'Allow',
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      Resource: '*',
    };
    expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect(granted.filter((statement) => JSON.stringify(statement).includes('xray:'))).toEqual([tracing]);
    const statements = granted.filter((statement) => !JSON.stringify(statement).includes('xray:'));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const statement of granted) {
      expect(statement.Effect).toBe('Allow');
      expect([statement.Action].flat().some((action: string) => action.includes('*'))).toBe(false);
      // A `*` resource only where AWS requires it (the reasons are commented where each is granted): the
      // network interfaces Lambda manages in the VPC, X-Ray's segments, and the hook's report to CodeDeploy.
      if (JSON.stringify(statement.Resource).includes('"*"'))
        for (const action of [statement.Action].flat())
          expect(
            /^(ec2|xray):/.test(action) || action === 'codedeploy:PutLifecycleEventHookExecutionStatus',
          ).toBe(true);
    }
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
      Resource: [arn('logs', `log-group:/aws/lambda/${fn.Properties.FunctionName}:*:*`)],
    });
    const network = statements.filter(({ Action }) => Action.includes('ec2:CreateNetworkInterface'));
    expect(network).toHaveLength(fn.Properties.VpcConfig ? 1 : 0);

    const actions = statements.flatMap(({ Action }) => [Action].flat());
    if (id === hook) {
      expect(statements.slice(1)).toEqual([
        {
          Effect: 'Allow',
          Action: ['codedeploy:GetDeployment'],
          Resource: arn('codedeploy', `deploymentgroup:conduit-api-${s.stage}/*`),
        },
        {
          Effect: 'Allow',
          Action: ['codedeploy:GetApplicationRevision'],
          Resource: arn('codedeploy', `application:conduit-api-${s.stage}`),
        },
        { Effect: 'Allow', Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'], Resource: '*' },
        // The versions of the API functions it checks: not itself, not the migrate function.
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: expect.arrayContaining(
            s.serving.map((serving) => ({ 'Fn::Sub': `\${${serving}.Arn}:*` })),
          ),
        },
      ]);
      expect(statements.at(-1).Resource).toHaveLength(s.serving.length);
    } else if (fn.Properties.Handler === 'functions/deploy/migrate.handler') {
      expect(statements.filter(({ Resource }) => Resource !== '*').slice(1)).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: [
            arn('secretsmanager', `secret:conduit/${s.stage}/db/migrator-??????`),
            arn('secretsmanager', `secret:conduit/${s.stage}/db/app-??????`),
            { 'Fn::ImportValue': `conduit-data-${s.stage}-MasterSecretArn` },
          ],
        },
      ]);
    } else if (codeAlone.includes(fn.Properties.Handler) || id === scenarioCheck) {
      // Their logs only: two answer from code alone, the other calls the public URL like any client.
      expect(statements).toHaveLength(1);
    } else {
      // The extension's GetParameter, one parameter at a time (IAM tells it apart from GetParameters). The
      // notification functions sign no tokens: the database password is their only secret.
      const databasePassword = arn('ssm', `parameter/aws/reference/secretsmanager/conduit/${s.stage}/db/app`);
      expect(
        statements.filter(({ Action }) => Action.some((action: string) => action.startsWith('ssm:'))),
      ).toEqual([
        {
          Effect: 'Allow',
          Action: ['ssm:GetParameter'],
          Resource: fn.Properties.Handler.startsWith('functions/notifications/')
            ? databasePassword
            : [arn('ssm', `parameter/conduit/${s.stage}/jwt/signing-keys`), databasePassword],
        },
      ]);
      expect(statements.filter(({ Action }) => Action.includes('secretsmanager:GetSecretValue'))).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: arn('secretsmanager', `secret:conduit/${s.stage}/db/app-??????`),
        },
      ]);
      // Beyond the secrets: what each function's own work needs, on its own resources only.
      expect(
        statements.slice(1).filter(({ Action }) => !/^(ssm|secretsmanager|ec2):/.test(Action[0])),
      ).toEqual(ownGrants[fn.Properties.Handler] ?? []);
      expect(actions.filter((action) => !/^(logs|ssm|secretsmanager|ec2|s3|sqs|ses):/.test(action))).toEqual(
        [],
      );
    }
  }
});

each(
  "%s: the scenario check walks this stage's own API on its schedule, outside the VPC, behind no alias",
  (_, s) => {
    const { Properties } = s.resources[scenarioCheck]!;
    expect(Properties.VpcConfig).toBeUndefined();
    expect(Properties.Environment.Variables.SCENARIO_URL).toEqual({
      'Fn::Sub': 'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api',
    });
    expect(s.resources.HttpApi?.Type).toBe('AWS::ApiGatewayV2::Api');
    const schedules = resourcesOfType(s.template, 'AWS::Events::Rule').filter(([, rule]) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${scenarioCheck}"`),
    );
    expect(schedules.map(([, rule]) => rule.Properties.ScheduleExpression)).toEqual(['rate(5 minutes)']);
    // Only EventBridge may invoke it, and only for that rule.
    const permissions = resourcesOfType(s.template, 'AWS::Lambda::Permission').filter(([, permission]) =>
      JSON.stringify(permission.Properties.FunctionName).includes(`"${scenarioCheck}"`),
    );
    expect(permissions.map(([, { Properties }]) => Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [scenarioCheck, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [schedules[0]![0], 'Arn'] },
      },
    ]);
    const aliases = resourcesOfType(s.template, 'AWS::Lambda::Alias').filter(
      ([, alias]) => alias.Properties.FunctionName.Ref === scenarioCheck,
    );
    expect(aliases).toEqual([]);
  },
);

each('%s: every resource type and property exists in the CloudFormation resource schema', (_, s) => {
  expect(schemaProblems(s.template as CloudFormationTemplate)).toEqual([]);
  expect(referenceProblems(s.template as CloudFormationTemplate)).toEqual([]);
});

each('%s: every value imported from the data stack is one of its exports', (_, s) => {
  const data = loadTemplate(path.join(root, 'deploy/data-stack.yml'));
  const exported = Object.values(data.Outputs ?? {}).map((output) =>
    (output.Export?.Name as { 'Fn::Sub': string })['Fn::Sub'].replace(
      '${AWS::StackName}',
      `conduit-data-${s.stage}`,
    ),
  );
  const imported = [...JSON.stringify(s.template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map(
    ([, name]) => name!,
  );
  expect(imported.length).toBeGreaterThan(0);
  expect([...new Set(imported)].filter((name) => !exported.includes(name))).toEqual([]);
});

each('%s: every alarm on a Lambda metric uses a dimension set Lambda publishes it with', (_, s) => {
  const db = loadAwsServiceSpecSync();
  const published = (metric: string) =>
    db
      .all('metric')
      .filter((m) => m.namespace === 'AWS/Lambda' && m.name === metric)
      .flatMap((m) =>
        db.follow('usesDimensionSet', m).map(({ entity }) =>
          entity.dimensions
            .map((d) => d.name)
            .sort()
            .join('+'),
        ),
      );
  const alarms = resourcesOfType(s.template, 'AWS::CloudWatch::Alarm').filter(
    ([, alarm]) => alarm.Properties.Namespace === 'AWS/Lambda',
  );
  expect(alarms.length).toBe(2 * s.serving.length);
  for (const [, { Properties }] of alarms) {
    const used = Properties.Dimensions.map(({ Name }: { Name: string }) => Name)
      .sort()
      .join('+');
    expect(published(Properties.MetricName)).toContain(used);
  }
});

each(
  '%s: the functions that read secrets run with the Parameters and Secrets extension, the others without it',
  (_, s) => {
    const extension =
      'arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:101';
    const withoutSecrets = [
      'NotFoundLambdaFunction',
      'ApiReferenceLambdaFunction',
      'MigrateLambdaFunction',
      hook,
      scenarioCheck,
    ];
    for (const [id, fn] of resourcesOfType(s.template, 'AWS::Lambda::Function')) {
      if (withoutSecrets.includes(id)) {
        expect(fn.Properties.Layers ?? []).toEqual([]);
        continue;
      }
      expect(fn.Properties.Layers).toEqual([extension]);
      // It listens where the loader looks, with its own cache off (ours keeps the rotation semantics).
      expect(fn.Properties.Environment.Variables).toMatchObject({
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      });
    }
    expect(s.serving.length).toBeGreaterThan(20);
  },
);
