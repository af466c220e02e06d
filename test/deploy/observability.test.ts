// The stage's alarms and dashboard (deploy/observability-plugin.js) as `serverless package` generates them:
// every alarm reaches a person (ALARM and OK) and says where to look first, each watches exactly the metric
// and dimensions that are published (by lib/http/metrics.ts, API Gateway, Lambda, RDS Proxy), and the
// dashboard's body is valid JSON once CloudFormation has filled it in.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { load } from 'js-yaml';
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

interface Declared {
  custom: { observability: { latencyP99Ms: number; scenarioFunction: string } };
  functions: Record<string, { events?: Record<string, any>[] }>;
}
const declared = load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as Declared;

/** API Gateway's route key for an httpApi event of serverless.yml: `GET /api/tags`, `$default` for `*`. */
function routeKeyOf(httpApi: string | { method: string; path: string }): string {
  if (httpApi === '*') return '$default';
  const [method, routePath] =
    typeof httpApi === 'string' ? httpApi.split(' ') : [httpApi.method, httpApi.path];
  return `${method!.toUpperCase()} ${routePath}`;
}

/** The route keys serverless.yml declares, by function. */
const declaredRoutes: Record<string, string[]> = Object.fromEntries(
  Object.entries(declared.functions).map(([name, fn]) => [
    name,
    (fn.events ?? []).filter((event) => event.httpApi).map((event) => routeKeyOf(event.httpApi)),
  ]),
);
const allRoutes = Object.values(declaredRoutes).flat().sort();
/** The functions that serve a route (the API reference serves three). */
const routedFunctions = Object.values(declaredRoutes).filter((routes) => routes.length > 0);

interface Stack {
  stage: Stage;
  template: Template;
  resources: Template['Resources'];
  /** The alarms that page: named `conduit-api-<stage>-…` (the deployment alarms have no name). */
  alarms: [string, Resource][];
}

function stack(stage: Stage): Stack {
  const parsed = template(stage).template;
  const alarms = resourcesOfType(parsed, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
    String(alarm.Properties.AlarmName).startsWith(`conduit-api-${stage}-`),
  );
  return { stage, template: parsed, resources: parsed.Resources, alarms };
}

const stacks = deployedStages.map(stack);
const each = test.each(stacks.map((s) => [s.stage, s] as const));
const prod = stacks.find((s) => s.stage === 'prod')!;

const topic = { Ref: 'AlarmTopic' };
const dimensions = (entries: Record<string, unknown>) =>
  Object.entries(entries).map(([Name, Value]) => ({ Name, Value }));
// The data stack names its proxy conduit-<Stage> (deploy/data-stack.yml).
const proxyName = (stage: Stage) => `conduit-${stage}`;

/** The metric queries of a metric-math alarm, by id. */
const queries = (alarm: Resource): Record<string, any> =>
  Object.fromEntries((alarm.Properties.Metrics ?? []).map((query: any) => [query.Id, query]));

const functionIds = (s: Stack) => resourcesOfType(s.template, 'AWS::Lambda::Function').map(([id]) => id);

/** Logical ids of the functions API Gateway routes to (through their `live` alias). */
const servingIds = (s: Stack) =>
  new Set(
    resourcesOfType(s.template, 'AWS::ApiGatewayV2::Integration').map(
      ([, integration]) =>
        s.resources[integration.Properties.IntegrationUri.Ref]!.Properties.FunctionName.Ref as string,
    ),
  );

const alarm = (s: Stack, id: string) => {
  const found = s.resources[id];
  expect([id, found?.Type]).toEqual([id, 'AWS::CloudWatch::Alarm']);
  return found!;
};

describe('the alarm topic', () => {
  each('%s: one SNS topic for the stage, unencrypted so CloudWatch may publish to it', (_, s) => {
    expect(resourcesOfType(s.template, 'AWS::SNS::Topic')).toEqual([
      [
        'AlarmTopic',
        {
          Type: 'AWS::SNS::Topic',
          Properties: { TopicName: `conduit-api-${s.stage}-alarms`, DisplayName: expect.any(String) },
        },
      ],
    ]);
  });

  test('prod e-mails the on-call address; dev, with ALARM_EMAIL unset, has no subscriber', () => {
    const subscriptions = (s: Stack) => resourcesOfType(s.template, 'AWS::SNS::Subscription');
    expect(subscriptions(prod)).toEqual([
      [
        'AlarmEmailSubscription',
        {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: topic, Protocol: 'email', Endpoint: 'oncall@conduit.example.com' },
        },
      ],
    ]);
    expect(subscriptions(stacks.find((s) => s.stage === 'dev')!)).toEqual([]);
  });
});

describe('every alarm', () => {
  each('%s: tells the topic when it fires and when it recovers', (_, s) => {
    expect(s.alarms.length).toBeGreaterThan(0);
    for (const [id, { Properties }] of s.alarms) {
      expect([id, Properties.AlarmActions, Properties.OKActions]).toEqual([id, [topic], [topic]]);
      expect([id, Properties.ActionsEnabled]).toEqual([id, true]);
    }
    // No alarm of the stage outside this set pages anyone: the deployment alarms roll back, silently.
    const notifying = resourcesOfType(s.template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.AlarmActions || a.Properties.OKActions,
    );
    expect(notifying.map(([id]) => id).sort()).toEqual(s.alarms.map(([id]) => id).sort());
  });

  each('%s: says what it means and what to look at first, in a name of its own', (_, s) => {
    const names = s.alarms.map(([, a]) => a.Properties.AlarmName);
    expect(new Set(names).size).toBe(names.length);
    for (const [id, { Properties }] of s.alarms) {
      const description = JSON.stringify(Properties.AlarmDescription);
      expect([id, description]).toEqual([id, expect.stringContaining('First look:')]);
      expect([id, description]).toEqual([
        id,
        expect.stringContaining('Runbook: README, Operating the service'),
      ]);
      expect([id, description]).toEqual([
        id,
        expect.stringMatching(/dashboard conduit-api-\w+|\/aws\/lambda\//),
      ]);
      expect(description.length).toBeLessThanOrEqual(1024);
      expect(Properties.AlarmName.length).toBeLessThanOrEqual(255);
    }
  });
});

describe('API 5xx rate', () => {
  each('%s: the share of API Gateway requests answered 5xx, only once there is traffic enough', (_, s) => {
    const { Properties } = alarm(s, 'ApiServerErrorRateAlarm');
    const metric = (name: string) => ({
      Namespace: 'AWS/ApiGateway',
      MetricName: name,
      Dimensions: dimensions({ ApiId: { Ref: 'HttpApi' }, Stage: '$default' }),
    });
    const { errors, requests, rate } = queries(s.resources.ApiServerErrorRateAlarm!);

    expect(s.resources.HttpApi!.Type).toBe('AWS::ApiGatewayV2::Api');
    expect(errors).toEqual({
      Id: 'errors',
      MetricStat: { Metric: metric('5xx'), Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    expect(requests).toEqual({
      Id: 'requests',
      MetricStat: { Metric: metric('Count'), Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    const [, minimum] = /^IF\(requests >= (\d+), 100 \* errors \/ requests, 0\)$/.exec(rate.Expression) ?? [];
    expect(Number(minimum)).toBeGreaterThanOrEqual(20);
    expect(rate.ReturnData).toBe(true);
    expect(Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(Properties.Metrics).toHaveLength(3);
  });
});

describe('p99 latency', () => {
  each("%s: one alarm per HTTP route, on that route's Latency as lib/http/metrics.ts writes it", (_, s) => {
    const latency = s.alarms.filter(([, a]) => a.Properties.MetricName === 'Latency');
    const routed = latency.map(([, a]) => a.Properties.Dimensions.find((d: any) => d.Name === 'Route').Value);
    const deployedRoutes = resourcesOfType(s.template, 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => route.Properties.RouteKey,
    );

    expect(allRoutes.length).toBeGreaterThan(20);
    expect(routed.sort()).toEqual(allRoutes);
    expect(deployedRoutes.sort()).toEqual(allRoutes);
    expect(routed).toContain('GET /api/articles/{slug}');
    expect(routed).toContain('$default');
    for (const [id, { Properties }] of latency) {
      const route = Properties.Dimensions.at(-1).Value;
      expect([id, Properties]).toEqual([
        id,
        expect.objectContaining({
          Namespace: 'Conduit',
          MetricName: 'Latency',
          Dimensions: dimensions({ service: 'conduit-api', Stage: s.stage, Route: route }),
          ExtendedStatistic: 'p99',
          Period: 300,
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: declared.custom.observability.latencyP99Ms,
          EvaluationPeriods: 5,
          DatapointsToAlarm: 3,
          TreatMissingData: 'notBreaching',
        }),
      ]);
      expect(Properties.Statistic).toBeUndefined();
      // `ignore` would skip every period with fewer than 1000 requests: the alarm would never fire.
      expect(Properties.EvaluateLowSampleCountPercentile).not.toBe('ignore');
      // The alarm names the function serving the route, numbered after its first route.
      const [fn, routes] = Object.entries(declaredRoutes).find(([, routes]) => routes.includes(route))!;
      const number = routes.indexOf(route) === 0 ? '' : String(routes.indexOf(route) + 1);
      expect(Properties.AlarmName).toBe(`conduit-api-${s.stage}-${fn}-p99-latency${number}`);
    }
    expect(declared.custom.observability.latencyP99Ms).toBe(1000);
  });
});

describe('function errors and throttles', () => {
  each('%s: one alarm per function, on its Errors plus its Throttles', (_, s) => {
    const serving = servingIds(s);
    const watched = s.alarms.filter(([, a]) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('AWS/Lambda'),
    );
    const byFunction = new Map<string, Resource>();
    for (const [, a] of watched) {
      const { errors } = queries(a);
      byFunction.set(errors.MetricStat.Metric.Dimensions[0].Value.Ref, a);
    }

    expect(serving.size).toBe(routedFunctions.length);
    expect([...byFunction.keys()].sort()).toEqual(functionIds(s).sort());
    expect(watched).toHaveLength(functionIds(s).length);
    for (const fn of functionIds(s)) {
      const a = byFunction.get(fn)!;
      const lambda = (name: string) => ({
        Namespace: 'AWS/Lambda',
        MetricName: name,
        Dimensions: dimensions({ FunctionName: { Ref: fn } }),
      });
      expect([fn, queries(a)]).toEqual([
        fn,
        {
          errors: {
            Id: 'errors',
            MetricStat: { Metric: lambda('Errors'), Period: 300, Stat: 'Sum' },
            ReturnData: false,
          },
          throttles: {
            Id: 'throttles',
            MetricStat: { Metric: lambda('Throttles'), Period: 300, Stat: 'Sum' },
            ReturnData: false,
          },
          failures: expect.objectContaining({ Expression: 'errors + throttles', ReturnData: true }),
        },
      ]);
      // Often-run API functions page at 3 in 5 minutes; a job that fails once has failed.
      expect([fn, a.Properties]).toEqual([
        fn,
        expect.objectContaining({
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Threshold: serving.has(fn) ? 3 : 1,
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        }),
      ]);
      expect(JSON.stringify(a.Properties.AlarmDescription)).toContain(
        `/aws/lambda/${s.resources[fn]!.Properties.FunctionName}`,
      );
    }
  });

  each('%s: Lambda publishes Errors and Throttles with the FunctionName dimension alone', (_, s) => {
    const db = loadAwsServiceSpecSync();
    const published = (metric: string) =>
      db
        .all('metric')
        .filter((m) => m.namespace === 'AWS/Lambda' && m.name === metric)
        .flatMap((m) =>
          db
            .follow('usesDimensionSet', m)
            .map(({ entity }) => entity.dimensions.map((d) => d.name).join('+')),
        );
    const used = s.alarms.flatMap(([, a]) =>
      (a.Properties.Metrics ?? [])
        .filter((query: any) => query.MetricStat?.Metric.Namespace === 'AWS/Lambda')
        .map((query: any) => query.MetricStat.Metric),
    );
    expect(used.length).toBe(2 * functionIds(s).length);
    for (const metric of used)
      expect(published(metric.MetricName)).toContain(metric.Dimensions.map((d: any) => d.Name).join('+'));
  });
});

describe('database proxy connections', () => {
  each(
    "%s: the share of the proxy's database connections in use, the proxy named by the data stack",
    (_, s) => {
      const { Properties } = alarm(s, 'DatabaseProxyConnectionsAlarm');
      const metric = (name: string) => ({
        Namespace: 'AWS/RDS',
        MetricName: name,
        Dimensions: dimensions({ ProxyName: proxyName(s.stage) }),
      });

      expect(queries(s.resources.DatabaseProxyConnectionsAlarm!)).toEqual({
        connections: {
          Id: 'connections',
          MetricStat: { Metric: metric('DatabaseConnections'), Period: 60, Stat: 'Sum' },
          ReturnData: false,
        },
        allowed: {
          Id: 'allowed',
          MetricStat: { Metric: metric('MaxDatabaseConnectionsAllowed'), Period: 60, Stat: 'Sum' },
          ReturnData: false,
        },
        used: expect.objectContaining({ Expression: '100 * connections / allowed', ReturnData: true }),
      });
      expect(Properties).toMatchObject({
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 80,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
        TreatMissingData: 'notBreaching',
      });
      // The description names the proxy too.
      expect(Properties.AlarmDescription['Fn::Sub'][1]).toEqual({ ProxyName: proxyName(s.stage) });
      expect(Properties.AlarmDescription['Fn::Sub'][0]).toContain('RDS Proxy ${ProxyName}');
    },
  );

  test('the name it watches is the one the data stack gives its proxy', () => {
    const data = loadTemplate(path.join(root, 'deploy/data-stack.yml'));

    expect(data.Resources.Proxy!.Properties!.DBProxyName).toEqual({ 'Fn::Sub': 'conduit-${Stage}' });
  });
});

describe('scenario check', () => {
  const scenario = declared.custom.observability.scenarioFunction;
  const schedules = (declared.functions[scenario]?.events ?? []).filter((event) => event.schedule);
  const enabled = schedules.some(
    ({ schedule }) => typeof schedule === 'string' || schedule.enabled !== false,
  );

  each('%s: alarmed exactly when serverless.yml schedules the check', (_, s) => {
    expect(scenario).toBe('scenarioCheck');
    expect(s.resources.ScenarioCheckAlarm !== undefined).toBe(enabled);
    if (enabled)
      expect(s.resources.ScenarioCheckAlarm!.Properties).toMatchObject({
        MetricName: 'ScenarioSucceeded',
        TreatMissingData: 'breaching',
      });
  });

  /**
   * The plugin on the prod template (without what it added), as osls calls it, with the scenario check
   * declared as given: whatever serverless.yml holds today, each case is checked.
   */
  const requireHere = createRequire(__filename);
  const Plugin = requireHere('../../deploy/observability-plugin.js') as new (serverless: unknown) => {
    hooks: Record<string, () => void>;
  };
  const naming = requireHere('serverless/lib/plugins/aws/lib/naming') as Record<
    string,
    (...args: any[]) => string
  >;

  function compile(scenarioEvents: unknown[] | undefined): Record<string, Resource> {
    const resources: Record<string, Resource> = structuredClone(
      Object.fromEntries(
        Object.entries(prod.resources).filter(
          ([id, r]) =>
            !['AlarmTopic', 'AlarmEmailSubscription', 'Dashboard'].includes(id) &&
            !String(r.Properties?.AlarmName).startsWith('conduit-api-'),
        ),
      ),
    );
    const functions: Record<string, { events?: unknown[] }> = structuredClone(declared.functions);
    delete functions[scenario];
    if (scenarioEvents) {
      functions[scenario] = { events: scenarioEvents };
      resources.ScenarioCheckLambdaFunction ??= {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: 'conduit-api-prod-scenarioCheck' },
      };
    }
    const listTags = prod.resources.ListTagsLambdaFunction!.Properties.Environment.Variables;
    const serverless = {
      getProvider: () => ({ naming, getStage: () => 'prod' }),
      classes: { Error },
      service: {
        service: 'conduit-api',
        custom: {
          observability: { alarmEmail: '', proxyName: proxyName('prod'), scenarioFunction: scenario },
        },
        provider: { environment: listTags, compiledCloudFormationTemplate: { Resources: resources } },
        getAllFunctions: () => Object.keys(functions),
        getFunction: (name: string) => functions[name],
      },
    };
    new Plugin(serverless).hooks['after:aws:package:finalize:mergeCustomProviderResources']!();
    return resources;
  }

  test('fails after 3 periods in a row without a pass, a period without a run counting as failed', () => {
    const resources = compile([{ schedule: 'rate(5 minutes)' }]);
    const { Properties } = resources.ScenarioCheckAlarm!;

    expect(Properties).toMatchObject({
      AlarmName: 'conduit-api-prod-scenario-check-failing',
      Namespace: 'Conduit',
      MetricName: 'ScenarioSucceeded',
      Dimensions: dimensions({ service: 'conduit-api', Stage: 'prod' }),
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(Properties.AlarmDescription).toContain('/aws/lambda/conduit-api-prod-scenarioCheck');
    // Its own crashes page at the first one, as for any function that is not behind the API.
    expect(resources.ScenarioCheckErrorsOrThrottlesAlarm!.Properties.Threshold).toBe(1);
    const alarmOnly = { Resources: { ScenarioCheckAlarm: resources.ScenarioCheckAlarm } };
    expect(schemaProblems(alarmOnly as CloudFormationTemplate)).toEqual([]);
    expect(
      referenceProblems({
        Resources: resources,
        Conditions: prod.template.Conditions,
      } as CloudFormationTemplate),
    ).toEqual([]);
  });

  test('takes its period from the schedule: one period per run', () => {
    const period = (events: unknown[]) => compile(events).ScenarioCheckAlarm!.Properties.Period;
    expect(period([{ schedule: { rate: ['rate(10 minutes)'], enabled: true } }])).toBe(600);
    expect(period([{ schedule: 'rate(1 hour)' }])).toBe(3600);
  });

  test('pages for no check that is switched off or missing', () => {
    expect(
      compile([{ schedule: { rate: ['rate(5 minutes)'], enabled: false } }]).ScenarioCheckAlarm,
    ).toBeUndefined();
    expect(compile(undefined).ScenarioCheckAlarm).toBeUndefined();
  });

  test('refuses a schedule that does not say how often the check runs', () => {
    expect(() => compile([{ schedule: 'cron(0/5 * * * ? *)' }])).toThrow(/rate\(\) schedule/);
  });
});

describe('the dashboard', () => {
  const region = 'eu-west-1';
  const pseudo: Record<string, string> = { 'AWS::Region': region, 'AWS::AccountId': '123456789012' };

  /**
   * Evaluates the intrinsic functions the dashboard uses, as CloudFormation would, with fake values: a Ref is
   * `ref-<LogicalId>`, an Arn `arn:…:<LogicalId>`, an import `imported-<export name>`. A name that is neither a
   * resource, a pseudo parameter nor a variable fails the test.
   */
  function render(value: unknown, resources: Template['Resources']): any {
    if (Array.isArray(value)) return value.map((v) => render(v, resources));
    if (typeof value !== 'object' || value === null) return value;
    const v = value as Record<string, any>;
    const ref = (name: string) => {
      if (name in pseudo) return pseudo[name];
      expect([name, resources[name] !== undefined]).toEqual([name, true]);
      return `ref-${name}`;
    };
    const arn = (name: string, attribute: string) => {
      expect([name, attribute, resources[name]?.Type]).toEqual([name, 'Arn', 'AWS::CloudWatch::Alarm']);
      return `arn:aws:cloudwatch:${region}:123456789012:alarm:${name}`;
    };
    if ('Ref' in v) return ref(v.Ref);
    if ('Fn::GetAtt' in v) return arn(v['Fn::GetAtt'][0], v['Fn::GetAtt'][1]);
    if ('Fn::ImportValue' in v) return `imported-${render(v['Fn::ImportValue'], resources)}`;
    if ('Fn::Join' in v) return render(v['Fn::Join'][1], resources).join(v['Fn::Join'][0]);
    if ('Fn::Sub' in v) {
      const [text, variables] = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub'], {}];
      const values = render(variables, resources);
      return (text as string).replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (name in values) return values[name];
        if (name in pseudo) return pseudo[name]!;
        const [resource, attribute] = name.split('.');
        return attribute ? arn(resource!, attribute) : ref(resource!);
      });
    }
    return Object.fromEntries(Object.entries(v).map(([key, child]) => [key, render(child, resources)]));
  }

  interface Metric {
    namespace: string;
    name: string;
    dimensions: Record<string, string>;
  }

  function dashboardOf(s: Stack) {
    const dashboards = resourcesOfType(s.template, 'AWS::CloudWatch::Dashboard');
    expect(dashboards.map(([, d]) => d.Properties.DashboardName)).toEqual([`conduit-api-${s.stage}`]);
    const body = JSON.parse(render(dashboards[0]![1].Properties.DashboardBody, s.resources));
    const widgets: any[] = body.widgets;
    const graphs = widgets.filter((w) => w.type === 'metric');
    const entries: any[][] = graphs.flatMap((w) => w.properties.metrics);
    const metrics: Metric[] = entries
      .filter((entry) => typeof entry[0] === 'string')
      .map(([namespace, name, ...rest]) => {
        const pairs: string[] = rest.filter((item: unknown) => typeof item === 'string');
        const dims: Record<string, string> = {};
        for (let i = 0; i < pairs.length; i += 2) dims[pairs[i]!] = pairs[i + 1]!;
        return { namespace, name, dimensions: dims };
      });
    const expressions: string[] = entries
      .filter((entry) => typeof entry[0] === 'object')
      .map(([e]) => e.expression);
    return { widgets, graphs, metrics, expressions };
  }

  const dimsOf = (metrics: Metric[], namespace: string, name: string) =>
    metrics.filter((m) => m.namespace === namespace && m.name === name).map((m) => m.dimensions);

  each('%s: renders to valid JSON, every widget placed on the grid in the stage region', (_, s) => {
    const { widgets, graphs } = dashboardOf(s);
    expect(widgets.length).toBeGreaterThan(10);
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      expect(w.y).toBeGreaterThanOrEqual(0);
      expect(w.height).toBeGreaterThan(0);
      if (w.type !== 'text' && w.type !== 'alarm') expect(w.properties.region).toBe(region);
    }
    for (const g of graphs) expect(g.properties.metrics.length).toBeLessThanOrEqual(500);
  });

  each('%s: requests, 4xx, 5xx and p99 latency of every route', (_, s) => {
    const { metrics, graphs } = dashboardOf(s);
    for (const name of ['Requests', 'Http4xx', 'Http5xx', 'Latency']) {
      const dims = dimsOf(metrics, 'Conduit', name);
      expect([name, dims.map((d) => d.Route).sort()]).toEqual([name, allRoutes]);
      for (const d of dims) expect(Object.keys(d)).toEqual(['service', 'Stage', 'Route']);
      expect(dims.every((d) => d.service === 'conduit-api' && d.Stage === s.stage)).toBe(true);
    }
    const latency = graphs.find((g) => g.properties.metrics.some((m: unknown[]) => m[1] === 'Latency'));
    expect(latency.properties.stat).toBe('p99');
  });

  each('%s: cold starts of the API functions; errors and throttles of every function', (_, s) => {
    const { metrics } = dashboardOf(s);
    const serving = [...servingIds(s)].map((id) => `ref-${id}`).sort();
    const everyFunction = functionIds(s)
      .map((id) => `ref-${id}`)
      .sort();
    const coldStarts = dimsOf(metrics, 'Conduit', 'ColdStart');

    expect(coldStarts.map((d) => d.function_name).sort()).toEqual(serving);
    for (const d of coldStarts) expect(d).toEqual({ service: 'conduit-api', function_name: d.function_name });
    for (const name of ['Errors', 'Throttles'])
      expect(
        dimsOf(metrics, 'AWS/Lambda', name)
          .map((d) => d.FunctionName)
          .sort(),
      ).toEqual(everyFunction);
  });

  each("%s: API Gateway's requests and 5xx, and the database proxy's connections", (_, s) => {
    const { metrics, expressions } = dashboardOf(s);
    for (const name of ['Count', '5xx'])
      expect(dimsOf(metrics, 'AWS/ApiGateway', name)).toEqual([{ ApiId: 'ref-HttpApi', Stage: '$default' }]);
    for (const name of ['DatabaseConnections', 'MaxDatabaseConnectionsAllowed', 'ClientConnections'])
      expect(dimsOf(metrics, 'AWS/RDS', name)).toEqual([{ ProxyName: `conduit-${s.stage}` }]);
    expect(expressions).toEqual(
      expect.arrayContaining(['100 * errors / requests', '100 * connections / allowed']),
    );
  });

  each('%s: business counts, sign-ins by method, and the scenario with its steps', (_, s) => {
    const { metrics, expressions } = dashboardOf(s);
    const ofStage = { service: 'conduit-api', Stage: s.stage };
    for (const name of ['Registrations', 'ArticlesCreated', 'CommentsCreated', 'Favorites'])
      expect([name, dimsOf(metrics, 'Conduit', name)]).toEqual([name, [ofStage]]);
    expect(dimsOf(metrics, 'Conduit', 'SignIns')).toEqual(
      ['password', 'google', 'apple', 'kakao', 'refresh'].map((Method) => ({ ...ofStage, Method })),
    );
    for (const name of ['ScenarioSucceeded', 'ScenarioDuration'])
      expect([name, dimsOf(metrics, 'Conduit', name)]).toEqual([name, [ofStage]]);
    for (const name of ['StepSucceeded', 'StepLatency'])
      expect(expressions).toContain(
        `SEARCH('{Conduit,service,Stage,Step} MetricName="${name}" service="conduit-api" Stage="${s.stage}"', ` +
          `'${name === 'StepSucceeded' ? 'Minimum' : 'Maximum'}', 300)`,
      );
  });

  each('%s: the state of every alarm that pages, and Logs Insights over every log group', (_, s) => {
    const { widgets } = dashboardOf(s);
    const listed = widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms);
    expect(listed.sort()).toEqual(
      s.alarms.map(([id]) => `arn:aws:cloudwatch:${region}:123456789012:alarm:${id}`).sort(),
    );
    const logGroups = resourcesOfType(s.template, 'AWS::Logs::LogGroup')
      .map(([, g]) => g.Properties.LogGroupName)
      .sort();
    const queries = widgets.filter((w) => w.type === 'log').map((w) => w.properties.query as string);
    expect(queries.length).toBeGreaterThanOrEqual(2);
    for (const title of ['Recent errors', 'Slowest requests']) {
      const sources = widgets
        .filter((w) => w.type === 'log' && w.properties.title === title)
        .flatMap((w) => [...(w.properties.query as string).matchAll(/SOURCE '([^']+)'/g)].map(([, g]) => g));
      expect([title, sources.sort()]).toEqual([title, logGroups]);
    }
  });
});

each("%s: the stack stays well below CloudFormation's 500 resources", (_, s) => {
  const count = Object.keys(s.resources).length;
  expect(count).toBeLessThan(450);
  expect(count).toBeGreaterThan(s.alarms.length);
});
