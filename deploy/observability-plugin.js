'use strict';

/**
 * Alarms that reach a person, and a dashboard, for each deployed stage (osls plugin, `custom.observability`):
 *
 *  - an SNS topic for the stage's alarms, with an e-mail subscription when `alarmEmail` is set; every alarm
 *    notifies it on ALARM and on OK, so whoever was paged also hears of the recovery;
 *  - alarms on what users feel: the API's 5xx rate (API Gateway's own count, which also sees what never
 *    reached a function), each route's p99 latency, each function's crashes, timeouts and throttles, the
 *    database proxy's connection pool, the scenario check (a scheduled walk along a user's path), and each
 *    dead-letter queue that holds anything (work that failed every attempt);
 *  - a CloudWatch dashboard `<service>-<stage>` with the same figures, where each alarm's description sends
 *    the reader first.
 *
 * The alarms of deploy/zero-downtime-plugin.js are another matter: they watch one new version for a few
 * minutes, roll it back, and page nobody. These watch the stage all the time and each tells a person what it
 * means and where to look first (the README's "Operating the service" is the runbook).
 *
 * Metric names and dimensions are exactly those lib/http/metrics.ts writes (embedded metric format), taken
 * from the same settings: provider.environment's POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME and
 * STAGE.
 */
class Observability {
  constructor(serverless) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    serverless.configSchemaHandler?.defineCustomProperties({
      type: 'object',
      properties: {
        observability: {
          type: 'object',
          properties: {
            // Empty: the topic has no subscriber (the alarms still show in CloudWatch and on the dashboard).
            alarmEmail: { type: 'string', pattern: '^$|^[^@\\s]+@[^@\\s]+$' },
            // The RDS Proxy's name, as the data stack gives it (conduit-<Stage>).
            proxyName: { type: 'string', minLength: 1 },
            latencyP99Ms: {
              anyOf: [
                { type: 'integer', minimum: 1 },
                { type: 'string', pattern: '^\\d+$' },
              ],
            },
            scenarioFunction: { type: 'string' },
            // Dead-letter queues (logical ids) and the function whose failed messages land in each.
            deadLetterQueues: { type: 'object', additionalProperties: { type: 'string' } },
          },
          required: ['alarmEmail', 'proxyName'],
          additionalProperties: false,
        },
      },
    });
    this.hooks = {
      // After every plugin (the zero-downtime one included) and `resources:` have been merged.
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.compile(),
    };
  }

  get resources() {
    return this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
  }

  compile() {
    const prefix = `${this.serverless.service.service}-${this.provider.getStage()}`;
    const functions = this.functions();
    this.checkRoutesExist(functions);
    const context = { settings: this.settings(), metrics: this.metricIdentity(), functions, prefix };

    const alarms = Object.assign(
      this.apiServerErrorRateAlarm(context),
      ...functions.flatMap((fn) => fn.routes.map((route, i) => this.latencyAlarm(context, fn, route, i))),
      ...functions.map((fn) => this.failureAlarm(context, fn)),
      this.proxyConnectionsAlarm(context),
      this.scenarioAlarm(context),
      ...this.deadLetterAlarms(context),
    );
    for (const { Properties } of Object.values(alarms)) {
      Object.assign(Properties, {
        ActionsEnabled: true,
        AlarmActions: [{ Ref: 'AlarmTopic' }],
        OKActions: [{ Ref: 'AlarmTopic' }],
      });
    }
    const added = { ...this.topic(context), ...alarms, ...this.dashboard(context, Object.keys(alarms)) };
    for (const id of Object.keys(added)) {
      if (this.resources[id])
        throw new this.serverless.classes.Error(`observability: the template already has a resource ${id}`);
    }
    Object.assign(this.resources, added);
  }

  settings() {
    const custom = this.serverless.service.custom?.observability;
    if (!custom) throw new this.serverless.classes.Error('observability: custom.observability is missing');
    return {
      alarmEmail: custom.alarmEmail ?? '',
      proxyName: custom.proxyName,
      // A second is slow for this API: a request costs a fixed number of database round trips of a few ms,
      // and a statement gives up after 2 s (db/client.ts), so a p99 that high means waiting, not working.
      latencyP99Ms: Number(custom.latencyP99Ms ?? 1000),
      scenarioFunction: custom.scenarioFunction ?? 'scenarioCheck',
      deadLetterQueues: custom.deadLetterQueues ?? {},
    };
  }

  /** The namespace and dimension values lib/http/metrics.ts writes with, from the functions' environment. */
  metricIdentity() {
    const environment = this.serverless.service.provider.environment ?? {};
    const identity = {
      namespace: environment.POWERTOOLS_METRICS_NAMESPACE,
      service: environment.POWERTOOLS_SERVICE_NAME,
      stage: environment.STAGE,
    };
    for (const [key, value] of Object.entries(identity)) {
      if (typeof value !== 'string' || value === '')
        throw new this.serverless.classes.Error(`observability: provider.environment names no ${key}`);
    }
    return identity;
  }

  /** Every function of the stage: its logical id, deployed name, route keys and schedules. */
  functions() {
    const naming = this.provider.naming;
    return this.serverless.service.getAllFunctions().map((name) => {
      const logicalId = naming.getLambdaLogicalId(name);
      const deployedName = this.resources[logicalId]?.Properties.FunctionName;
      if (typeof deployedName !== 'string')
        throw new this.serverless.classes.Error(`observability: ${logicalId} has no literal FunctionName`);
      const events = this.serverless.service.getFunction(name).events ?? [];
      return {
        name,
        logicalId,
        base: naming.getNormalizedFunctionName(name),
        deployedName,
        routes: events.filter((event) => event.httpApi).map((event) => routeKey(event.httpApi)),
        schedules: events.filter((event) => event.schedule).map((event) => event.schedule),
      };
    });
  }

  /** Alarms and dashboard name a route by API Gateway's route key: it must be one the template deploys. */
  checkRoutesExist(functions) {
    if (!this.resources.HttpApi)
      throw new this.serverless.classes.Error('observability: the template has no HttpApi');
    const deployed = new Set(
      Object.values(this.resources)
        .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
        .map((resource) => resource.Properties.RouteKey),
    );
    for (const route of functions.flatMap((fn) => fn.routes)) {
      if (!deployed.has(route))
        throw new this.serverless.classes.Error(`observability: the template has no route ${route}`);
    }
  }

  topic({ settings, prefix }) {
    return {
      // Not encrypted: CloudWatch publishes to a KMS-encrypted topic only with a customer managed key whose
      // policy admits it (never with the AWS managed aws/sns key), and alarm notifications carry no data.
      AlarmTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: `${prefix}-alarms`, DisplayName: `${prefix} alarms` },
      },
      // The recipient confirms once, from the e-mail SNS sends when the subscription is created.
      ...(settings.alarmEmail && {
        AlarmEmailSubscription: {
          Type: 'AWS::SNS::Subscription',
          Properties: { TopicArn: { Ref: 'AlarmTopic' }, Protocol: 'email', Endpoint: settings.alarmEmail },
        },
      }),
    };
  }

  /**
   * The share of requests API Gateway answered 5xx, including those that never reached a function (throttles,
   * timeouts, crashes). 5 % is far above a healthy API's ~0 and well below what one broken route produces on
   * its own; 2 of the last 3 five-minute periods pages 10 to 15 minutes into a lasting problem, but not for
   * the minute of 503s a database failover costs. Under MIN_REQUESTS_FOR_RATE requests a period says nothing
   * (1 error in 20 requests is 5 %) and counts as healthy: the scenario check covers quiet stages.
   */
  apiServerErrorRateAlarm({ prefix }) {
    const api = (metric) => ({
      Namespace: 'AWS/ApiGateway',
      MetricName: metric,
      Dimensions: [
        { Name: 'ApiId', Value: { Ref: 'HttpApi' } },
        { Name: 'Stage', Value: '$default' },
      ],
    });
    return alarm('ApiServerErrorRateAlarm', `${prefix}-api-5xx-rate`, {
      AlarmDescription: sentences(
        `${prefix}: 5 % or more of API requests answered 5xx in 2 of the last 3 five-minute periods`,
        `(periods with fewer than ${MIN_REQUESTS_FOR_RATE} requests count as healthy).`,
        `First look: dashboard ${prefix}, "5xx per route" (which route), then "Recent errors"`,
        '(level = ERROR, with route and request id). Many 503s at once point at the database:',
        '"Database proxy connections".',
        'Runbook: README, Operating the service, "API 5xx rate".',
      ),
      Metrics: [
        { Id: 'errors', MetricStat: { Metric: api('5xx'), Period: 300, Stat: 'Sum' }, ReturnData: false },
        { Id: 'requests', MetricStat: { Metric: api('Count'), Period: 300, Stat: 'Sum' }, ReturnData: false },
        {
          Id: 'rate',
          Label: '5xx % of requests',
          // Metric math counts a missing value as 0: a period without any 5xx has a rate of 0.
          Expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * errors / requests, 0)`,
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  }

  /**
   * p99 of the time route() spent on a route's requests (`Latency`, lib/http/metrics.ts). 3 of the last 5
   * five-minute periods: on a quiet route a period's p99 is its slowest request, so one slow request (a new
   * container's first connection) must not page, while a route that stays slow does within 15 to 25 minutes.
   * EvaluateLowSampleCountPercentile stays `evaluate`: `ignore` skips every p99 period with fewer than 1000
   * samples, nearly all of them on this API.
   */
  latencyAlarm({ settings, metrics, prefix }, fn, route, index) {
    const suffix = index === 0 ? '' : `${index + 1}`;
    return alarm(`${fn.base}LatencyP99Alarm${suffix}`, `${prefix}-${fn.name}-p99-latency${suffix}`, {
      AlarmDescription: sentences(
        `${prefix}: p99 latency of ${route} (function ${fn.name}) above ${settings.latencyP99Ms} ms`,
        'in 3 of the last 5 five-minute periods.',
        `First look: dashboard ${prefix}, "p99 latency per route" (this route or all of them?), then`,
        `"Slowest requests", or Logs Insights on /aws/lambda/${fn.deployedName}:`,
        "filter message = 'request' | sort durationMs desc (dbRoundTrips tells the database from the code).",
        'Runbook: README, Operating the service, "p99 latency".',
      ),
      Namespace: metrics.namespace,
      MetricName: 'Latency',
      Dimensions: [
        { Name: 'service', Value: metrics.service },
        { Name: 'Stage', Value: metrics.stage },
        { Name: 'Route', Value: route },
      ],
      ExtendedStatistic: 'p99',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: settings.latencyP99Ms,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      // No requests on the route, no latency: nothing is slow.
      TreatMissingData: 'notBreaching',
    });
  }

  /**
   * One alarm per function on Errors + Throttles (metric math) rather than one per metric: it still names the
   * function, its description says how to tell the two apart, and the stack keeps half the alarm resources
   * (CloudFormation allows 500 per stack). route() turns every failure it catches into a reply, so Errors
   * here are crashes, timeouts and failed inits. A function behind the API runs often: 3 in 5 minutes means
   * it keeps failing, while one stray timeout does not page. The others (the scenario check, the deploy-time
   * hook and migrations) run rarely and each failed run is a failed job: 1 is enough.
   */
  failureAlarm({ prefix }, fn) {
    const threshold = fn.routes.length > 0 ? 3 : 1;
    const lambda = (metric) => ({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn.logicalId } }],
    });
    return alarm(`${fn.base}ErrorsOrThrottlesAlarm`, `${prefix}-${fn.name}-errors-throttles`, {
      AlarmDescription: sentences(
        `${prefix}: function ${fn.name} (${fn.deployedName}) crashed, timed out or was throttled`,
        `${threshold} or more times in 5 minutes.`,
        `First look: dashboard ${prefix}, "Lambda errors" vs "Lambda throttles". Errors: log group`,
        `/aws/lambda/${fn.deployedName} ("Task timed out", "Runtime.", level = ERROR) or "Recent errors".`,
        "Throttles: the account's concurrency (Lambda console).",
        'Runbook: README, Operating the service, "Function errors or throttles".',
      ),
      Metrics: [
        {
          Id: 'errors',
          MetricStat: { Metric: lambda('Errors'), Period: 300, Stat: 'Sum' },
          ReturnData: false,
        },
        {
          Id: 'throttles',
          MetricStat: { Metric: lambda('Throttles'), Period: 300, Stat: 'Sum' },
          ReturnData: false,
        },
        // Metric math counts a missing value as 0, so either metric alone is enough.
        { Id: 'failures', Label: 'Errors + throttles', Expression: 'errors + throttles', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: threshold,
      EvaluationPeriods: 1,
      // Not invoked, not failing.
      TreatMissingData: 'notBreaching',
    });
  }

  /**
   * How much of its pool the RDS Proxy uses: database connections against the most it may open
   * (MaxConnectionsPercent of max_connections, deploy/data-stack.yml). Past 80 % for 5 minutes, requests soon
   * wait for a connection (ConnectionBorrowTimeout, 5 s) and answer 503. RDS publishes both figures per proxy
   * host; summed over the proxy (the ProxyName dimension, Sum as RDS advises) their ratio is the proxy's.
   */
  proxyConnectionsAlarm({ settings, prefix }) {
    const proxy = (metric) => ({
      Namespace: 'AWS/RDS',
      MetricName: metric,
      Dimensions: [{ Name: 'ProxyName', Value: settings.proxyName }],
    });
    return alarm('DatabaseProxyConnectionsAlarm', `${prefix}-db-proxy-connections`, {
      AlarmDescription: {
        'Fn::Sub': [
          sentences(
            `${prefix}: RDS Proxy \${ProxyName} has used more than 80 % of the database connections it may`,
            'open for 5 minutes; requests will soon wait for a connection and answer 503.',
            `First look: dashboard ${prefix}, "Database proxy connections" (client vs database connections)`,
            'and "Requests per route" (a traffic spike?), then Performance Insights on the primary',
            '(statements holding connections). Runbook: README, Operating the service, "Database proxy',
            'connections".',
          ),
          { ProxyName: settings.proxyName },
        ],
      },
      Metrics: [
        {
          Id: 'connections',
          MetricStat: { Metric: proxy('DatabaseConnections'), Period: 60, Stat: 'Sum' },
          ReturnData: false,
        },
        {
          Id: 'allowed',
          MetricStat: { Metric: proxy('MaxDatabaseConnectionsAllowed'), Period: 60, Stat: 'Sum' },
          ReturnData: false,
        },
        {
          Id: 'used',
          Label: 'Connections used %',
          Expression: '100 * connections / allowed',
          ReturnData: true,
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 80,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      // The proxy publishes these once it has had a connection: none yet is not saturation.
      TreatMissingData: 'notBreaching',
    });
  }

  /**
   * The scenario check (a scheduled function) writes ScenarioSucceeded, 1 or 0, once a run. One period per
   * run, and the best run of a period counts; a period without a run counts as failed, since a check that does
   * not run checks nothing. EventBridge does not run on the second and a run's point is stamped when it ends,
   * so a period is sometimes empty while the next holds two runs: the alarm wants 3 periods in a row without a
   * pass, which an empty period alone never makes (at least two failed runs, or a check that stopped running).
   * There is no alarm when the function or an enabled schedule is missing, or it would page for a check nobody
   * runs.
   */
  scenarioAlarm({ settings, metrics, functions, prefix }) {
    const fn = functions.find(({ name }) => name === settings.scenarioFunction);
    const schedule = fn?.schedules.find((s) => typeof s === 'string' || s.enabled !== false);
    if (!fn || !schedule) return {};
    const expression = [typeof schedule === 'string' ? schedule : schedule.rate].flat()[0];
    const period = rateInSeconds(expression);
    if (!period)
      throw new this.serverless.classes.Error(
        `observability: "${expression}" does not say how often ${fn.name} runs: give it a rate() schedule`,
      );
    return alarm('ScenarioCheckAlarm', `${prefix}-scenario-check-failing`, {
      AlarmDescription: sentences(
        `${prefix}: the scenario check (function ${fn.name}, ${expression}) has not passed in 3 periods`,
        "in a row (at least two failed runs, or it stopped running): a user's path through the API is broken.",
        `First look: dashboard ${prefix}, "Scenario steps: passed (1) or failed (0)" (which step) and`,
        `"Recent errors"; then log group /aws/lambda/${fn.deployedName} for the failing step's request id.`,
        'Runbook: README, Operating the service, "Scenario check failing".',
      ),
      Namespace: metrics.namespace,
      MetricName: 'ScenarioSucceeded',
      Dimensions: [
        { Name: 'service', Value: metrics.service },
        { Name: 'Stage', Value: metrics.stage },
      ],
      Statistic: 'Maximum',
      Period: period,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  }

  /**
   * A dead-letter queue holds the messages its function failed on every receive (a poison message, or a
   * dependency down for longer than the retries last): one message is one user who was not told something,
   * so one pages, and the alarm stays on until someone empties the queue (redrives or deletes its messages).
   */
  deadLetterAlarms({ settings, functions, prefix }) {
    return Object.entries(settings.deadLetterQueues).map(([queue, consumer]) => {
      const fn = functions.find(({ name }) => name === consumer);
      if (this.resources[queue]?.Type !== 'AWS::SQS::Queue' || !fn)
        throw new this.serverless.classes.Error(
          `observability: dead-letter queue ${queue} must be an AWS::SQS::Queue of the template, and ${consumer} a function`,
        );
      const name = queue.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
      return alarm(`${queue}NotEmptyAlarm`, `${prefix}-${name}-not-empty`, {
        AlarmDescription: sentences(
          `${prefix}: the dead-letter queue ${queue} holds messages that ${fn.name} failed on every attempt.`,
          `First look: log group /aws/lambda/${fn.deployedName}, level = ERROR ("notification failed": the`,
          'message id and the cause); then the messages themselves (SQS console, "Send and receive messages").',
          'Runbook: README, Operating the service, "Dead letters".',
        ),
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        // SQS stops reporting a queue after ~6 hours without activity, even one still holding messages:
        // without data the alarm keeps the state it has, so it stays on until the queue is emptied.
        TreatMissingData: 'ignore',
      });
    });
  }

  /**
   * Alarm states first, then the figures the alarms watch, then what explains them. The body is JSON inside
   * Fn::Sub: CloudFormation fills in `${LogicalId}` (a function's name, the API's id), `${Alarm.Arn}`,
   * `${AWS::Region}`, and `${ProxyName}`, the data stack's proxy.
   */
  dashboard({ settings, metrics, functions, prefix }, alarmIds) {
    const ours = (metric, dimensions, options) => [
      metrics.namespace,
      metric,
      ...Object.entries(dimensions).flat(),
      options,
    ];
    const ofStage = (metric, dimensions, options) =>
      ours(metric, { service: metrics.service, Stage: metrics.stage, ...dimensions }, options);
    const serving = functions.filter((fn) => fn.routes.length > 0);
    const routes = serving.flatMap((fn) => fn.routes);
    const perRoute = (metric) => routes.map((route) => ofStage(metric, { Route: route }, { label: route }));
    const perFunction = (metric) =>
      functions.map((fn) => [
        'AWS/Lambda',
        metric,
        'FunctionName',
        `\${${fn.logicalId}}`,
        { label: fn.name },
      ]);
    const api = (metric, options) => [
      'AWS/ApiGateway',
      metric,
      'ApiId',
      '${HttpApi}',
      'Stage',
      '$default',
      options,
    ];
    const proxy = (metric, options) => ['AWS/RDS', metric, 'ProxyName', '${ProxyName}', options];
    // The scenario's steps are whatever it names them: a search finds each one's series.
    const steps = (metric, statistic) =>
      `SEARCH('{${metrics.namespace},service,Stage,Step} MetricName="${metric}" ` +
      `service="${metrics.service}" Stage="${metrics.stage}"', '${statistic}', 300)`;
    const logGroups = functions.map((fn) => `/aws/lambda/${fn.deployedName}`);

    const widgets = [
      text(
        `# ${prefix}\nEvery alarm e-mails the ${prefix}-alarms topic on ALARM and on OK. Runbook: README.`,
      ),
      // An alarm status widget lists at most 100 alarms.
      ...chunks(alarmIds, 100).map((ids) => ({
        type: 'alarm',
        width: 24,
        height: 4,
        properties: {
          title: 'Alarms',
          alarms: ids.map((id) => `\${${id}.Arn}`),
          sortBy: 'stateUpdatedTimestamp',
        },
      })),
      graph(12, 'API Gateway: requests and 5xx rate', {
        stat: 'Sum',
        period: 300,
        metrics: [
          api('Count', { id: 'requests', label: 'Requests' }),
          api('5xx', { id: 'errors', label: '5xx' }),
          api('4xx', { id: 'clientErrors', label: '4xx' }),
          [{ id: 'rate', expression: '100 * errors / requests', label: '5xx %', yAxis: 'right' }],
        ],
        annotations: { horizontal: [{ label: 'alarm', value: 5, yAxis: 'right' }] },
      }),
      graph(12, 'Database proxy connections', {
        stat: 'Sum',
        period: 60,
        metrics: [
          proxy('ClientConnections', { id: 'clients', label: 'Client connections' }),
          proxy('DatabaseConnections', { id: 'connections', label: 'Database connections' }),
          proxy('MaxDatabaseConnectionsAllowed', { id: 'allowed', label: 'Database connections allowed' }),
          [{ id: 'used', expression: '100 * connections / allowed', label: 'Used %', yAxis: 'right' }],
        ],
        annotations: { horizontal: [{ label: 'alarm', value: 80, yAxis: 'right' }] },
      }),
      graph(8, 'Requests per route', { stat: 'Sum', period: 300, metrics: perRoute('Requests') }),
      graph(8, '4xx per route', { stat: 'Sum', period: 300, metrics: perRoute('Http4xx') }),
      graph(8, '5xx per route', { stat: 'Sum', period: 300, metrics: perRoute('Http5xx') }),
      graph(12, 'p99 latency per route', {
        stat: 'p99',
        period: 300,
        metrics: perRoute('Latency'),
        annotations: { horizontal: [{ label: 'alarm', value: settings.latencyP99Ms }] },
      }),
      // Powertools' ColdStart: by the deployed function's name, and `service` only.
      graph(12, 'Cold starts per function', {
        stat: 'Sum',
        period: 300,
        metrics: serving.map((fn) =>
          ours(
            'ColdStart',
            { service: metrics.service, function_name: `\${${fn.logicalId}}` },
            { label: fn.name },
          ),
        ),
      }),
      graph(12, 'Lambda errors', { stat: 'Sum', period: 300, metrics: perFunction('Errors') }),
      graph(12, 'Lambda throttles', { stat: 'Sum', period: 300, metrics: perFunction('Throttles') }),
      graph(12, 'Business events per hour', {
        stat: 'Sum',
        period: 3600,
        metrics: BUSINESS_EVENTS.map((event) => ofStage(event, {}, { label: event })),
      }),
      graph(12, 'Sign-ins per hour, by method', {
        stat: 'Sum',
        period: 3600,
        metrics: SIGN_IN_METHODS.map((method) => ofStage('SignIns', { Method: method }, { label: method })),
      }),
      graph(8, 'Scenario check: passed (1) or failed (0)', {
        period: 300,
        metrics: [
          ofStage('ScenarioSucceeded', {}, { stat: 'Minimum', label: 'Worst run' }),
          ofStage('ScenarioDuration', {}, { stat: 'Maximum', label: 'Duration (ms)', yAxis: 'right' }),
        ],
      }),
      graph(8, 'Scenario steps: passed (1) or failed (0)', {
        period: 300,
        metrics: [[{ id: 'steps', expression: steps('StepSucceeded', 'Minimum'), label: '' }]],
      }),
      graph(8, 'Scenario step latency (ms)', {
        period: 300,
        metrics: [[{ id: 'stepLatency', expression: steps('StepLatency', 'Maximum'), label: '' }]],
      }),
      // Logs Insights reads at most 50 log groups in one query.
      ...chunks(logGroups, 50).map((group) =>
        logs('Recent errors', group, [
          'fields @timestamp, function_name, route, function_request_id, message, error.name, error.message',
          "filter level = 'ERROR' or @message like /Task timed out|Runtime\\.|Invoke Error/",
          'sort @timestamp desc',
          'limit 50',
        ]),
      ),
      ...chunks(logGroups, 50).map((group) =>
        logs('Slowest requests', group, [
          'fields @timestamp, route, status, durationMs, dbRoundTrips, function_request_id',
          "filter message = 'request'",
          'sort durationMs desc',
          'limit 50',
        ]),
      ),
    ];
    return {
      Dashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: {
          DashboardName: prefix,
          DashboardBody: {
            'Fn::Sub': [JSON.stringify({ widgets: layout(widgets) }), { ProxyName: settings.proxyName }],
          },
        },
      },
    };
  }
}

// Below this many requests in a five-minute period, the API's 5xx share is not a rate yet.
const MIN_REQUESTS_FOR_RATE = 50;

// What lib/http/metrics.ts counts by stage (BusinessEvent), and how users sign in (SignInMethod).
const BUSINESS_EVENTS = ['Registrations', 'ArticlesCreated', 'CommentsCreated', 'Favorites'];
const SIGN_IN_METHODS = ['password', 'google', 'apple', 'kakao', 'refresh'];

function alarm(id, name, properties) {
  return { [id]: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: name, ...properties } } };
}

/** An alarm description from its lines; CloudWatch allows 1024 characters. */
function sentences(...lines) {
  const description = lines.join(' ');
  if (description.length > 1024) throw new Error(`alarm description over 1024 characters: ${description}`);
  return description;
}

/** API Gateway's route key for an httpApi event, as osls builds it: `GET /api/tags`; `$default` for `*`. */
function routeKey(httpApi) {
  if (httpApi === '*') return '$default';
  const [method, path] =
    typeof httpApi === 'string' ? httpApi.trim().split(/\s+/) : [httpApi.method, httpApi.path];
  if (String(path) === '*') return '$default';
  const verb = String(method).toUpperCase();
  return `${verb === '*' ? 'ANY' : verb} ${path}`;
}

/** `rate(5 minutes)` in seconds; undefined for anything else (a cron expression has no single period). */
function rateInSeconds(expression) {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(String(expression).trim());
  return match && Number(match[1]) * { minute: 60, hour: 3600, day: 86400 }[match[2]];
}

function chunks(list, size) {
  const result = [];
  for (let i = 0; i < list.length; i += size) result.push(list.slice(i, i + size));
  return result;
}

function text(markdown) {
  return { type: 'text', width: 24, height: 2, properties: { markdown } };
}

function graph(width, title, properties) {
  return {
    type: 'metric',
    width,
    height: 6,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stacked: false, ...properties },
  };
}

function logs(title, logGroups, query) {
  return {
    type: 'log',
    width: 24,
    height: 6,
    properties: {
      title,
      region: '${AWS::Region}',
      view: 'table',
      query: [...logGroups.map((name) => `SOURCE '${name}'`), ...query].join(' | '),
    },
  };
}

/** Places the widgets left to right in rows 24 units wide, each row as high as its highest widget. */
function layout(widgets) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    if (x + widget.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...widget, x, y };
    x += widget.width;
    rowHeight = Math.max(rowHeight, widget.height);
    return placed;
  });
}

module.exports = Observability;
