// Self-tests of the offline template checker (test/support/cloudformation.ts): it must parse the short-form
// tags, accept a valid template and report each kind of mistake, or the template tests prove nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemplate, referenceProblems, schemaProblems, type Template } from '../support/cloudformation';

const dir = mkdtempSync(join(tmpdir(), 'cfn-check-'));
function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A small template that is valid: a security group and a proxy with a nested Auth list. */
function validTemplate(): Template {
  return {
    Parameters: { Stage: { Type: 'String' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    Resources: {
      Group: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: 'test',
          VpcId: 'vpc-1',
          Tags: [{ Key: 'Stage', Value: { Ref: 'Stage' } }],
        },
      },
      Proxy: {
        Type: 'AWS::RDS::DBProxy',
        DeletionPolicy: 'Delete',
        Properties: {
          DBProxyName: 'p',
          EngineFamily: 'MYSQL',
          RoleArn: 'arn:aws:iam::123456789012:role/r',
          VpcSubnetIds: ['subnet-1', 'subnet-2'],
          VpcSecurityGroupIds: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }],
          Auth: [{ AuthScheme: 'SECRETS', SecretArn: 'arn:secret', IAMAuth: 'DISABLED' }],
          IdleClientTimeout: { 'Fn::If': ['IsProd', 1800, { Ref: 'AWS::NoValue' }] },
        },
      },
    },
    Outputs: { Endpoint: { Value: { 'Fn::Sub': '${Proxy.Endpoint}:${AWS::Region}' } } },
  };
}

describe('loadTemplate', () => {
  it('turns short-form intrinsic tags into their long forms', () => {
    const file = write(
      'short.yml',
      [
        'Resources:',
        '  X:',
        '    Type: AWS::SNS::Topic',
        '    Properties:',
        '      A: !Ref Stage',
        '      B: !GetAtt Primary.Endpoint.Address',
        '      C: !GetAtt [Proxy, Endpoint]',
        "      D: !Sub 'conduit/${Stage}'",
        "      E: !Sub ['${X}', { X: !Ref Y }]",
        "      F: !Select [0, !GetAZs '']",
        "      G: !Join [',', !Split ['|', a|b]]",
        '      H: !If [IsProd, !FindInMap [M, !Ref Stage, K], !Ref AWS::NoValue]',
        '      I: !ImportValue { Fn::Sub: "${Stage}-X" }',
        '      J: !Base64 text',
        '      K: !Cidr [10.0.0.0/16, 4, 8]',
        '      L: !ImportValue conduit-data-dev-ProxyEndpoint',
        'Conditions:',
        '  IsProd: !Equals [!Ref Stage, prod]',
        '  Both: !And [!Condition IsProd, !Not [!Or [!Condition IsProd, !Condition IsProd]]]',
      ].join('\n'),
    );
    const template = loadTemplate(file);
    expect(template.Resources.X!.Properties).toEqual({
      A: { Ref: 'Stage' },
      B: { 'Fn::GetAtt': ['Primary', 'Endpoint.Address'] },
      C: { 'Fn::GetAtt': ['Proxy', 'Endpoint'] },
      D: { 'Fn::Sub': 'conduit/${Stage}' },
      E: { 'Fn::Sub': ['${X}', { X: { Ref: 'Y' } }] },
      F: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      G: { 'Fn::Join': [',', { 'Fn::Split': ['|', 'a|b'] }] },
      H: {
        'Fn::If': ['IsProd', { 'Fn::FindInMap': ['M', { Ref: 'Stage' }, 'K'] }, { Ref: 'AWS::NoValue' }],
      },
      I: { 'Fn::ImportValue': { 'Fn::Sub': '${Stage}-X' } },
      J: { 'Fn::Base64': 'text' },
      K: { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] },
      L: { 'Fn::ImportValue': 'conduit-data-dev-ProxyEndpoint' },
    });
    expect(template.Conditions).toEqual({
      IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
      Both: {
        'Fn::And': [
          { Condition: 'IsProd' },
          { 'Fn::Not': [{ 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsProd' }] }] },
        ],
      },
    });
  });

  it('parses JSON templates as JSON', () => {
    const file = write('t.json', JSON.stringify(validTemplate()));
    expect(loadTemplate(file)).toEqual(validTemplate());
  });
});

describe('schemaProblems', () => {
  it('finds nothing wrong with a valid template', () => {
    expect(schemaProblems(validTemplate())).toEqual([]);
  });

  it('reports a resource type that does not exist', () => {
    const template = validTemplate();
    template.Resources.Group!.Type = 'AWS::EC2::SecurityGroups';
    expect(schemaProblems(template)).toEqual(['Group (AWS::EC2::SecurityGroups): unknown resource type']);
  });

  it('reports an unknown top-level property', () => {
    const template = validTemplate();
    template.Resources.Proxy!.Properties!.RequireTls = true;
    expect(schemaProblems(template)).toEqual(['Proxy (AWS::RDS::DBProxy): unknown property RequireTls']);
  });

  it('reports an unknown property nested in a list of property types, and in tags', () => {
    const template = validTemplate();
    template.Resources.Proxy!.Properties!.Auth[0].IamAuth = 'DISABLED';
    template.Resources.Group!.Properties!.Tags[0] = { Key: 'Stage', Val: 'dev' };
    expect(schemaProblems(template)).toEqual([
      'Group (AWS::EC2::SecurityGroup): unknown property Tags[0].Val',
      'Group (AWS::EC2::SecurityGroup): missing required property Tags[0].Value',
      'Proxy (AWS::RDS::DBProxy): unknown property Auth[0].IamAuth',
    ]);
  });

  it('reports a property nested at the wrong level', () => {
    const template = validTemplate();
    template.Resources.Proxy!.Properties!.Auth = { AuthScheme: 'SECRETS' };
    expect(schemaProblems(template)).toEqual(['Proxy (AWS::RDS::DBProxy): Auth should be a list']);
  });

  it('reports missing required properties', () => {
    const template = validTemplate();
    delete template.Resources.Proxy!.Properties!.RoleArn;
    delete template.Resources.Group!.Properties!.GroupDescription;
    expect(schemaProblems(template)).toEqual([
      'Group (AWS::EC2::SecurityGroup): missing required property GroupDescription',
      'Proxy (AWS::RDS::DBProxy): missing required property RoleArn',
    ]);
  });

  it('checks both branches of Fn::If but not other intrinsic values', () => {
    const template = validTemplate();
    const properties = template.Resources.Proxy!.Properties!;
    properties.Auth = { 'Fn::If': ['IsProd', [{ SecretArn: 'a' }], [{ SecretArn: 'b', Typo: 1 }]] };
    properties.VpcSubnetIds = { 'Fn::Split': [',', { 'Fn::ImportValue': 'subnets' }] };
    expect(schemaProblems(template)).toEqual(['Proxy (AWS::RDS::DBProxy): unknown property Auth[0].Typo']);
  });

  it('reports unknown resource attributes and invalid policies', () => {
    const template = validTemplate();
    Object.assign(template.Resources.Proxy!, { DeletionPolicy: 'Snapshots', Propertes: {} });
    expect(schemaProblems(template)).toEqual([
      'Proxy (AWS::RDS::DBProxy): unknown resource attribute Propertes',
      'Proxy (AWS::RDS::DBProxy): invalid DeletionPolicy Snapshots',
    ]);
  });

  it("reports an unknown property deep in an alarm's metric math queries", () => {
    const template = validTemplate();
    const stat = (metric: Record<string, unknown>) => ({
      Id: 'errors',
      MetricStat: { Metric: metric, Period: 300, Stat: 'Sum' },
      ReturnData: false,
    });
    template.Resources.Alarm = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 1,
        Metrics: [
          stat({
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: 'f' }],
          }),
          { Id: 'rate', Expression: 'errors', ReturnData: true },
        ],
      },
    };
    expect(schemaProblems(template)).toEqual([]);
    template.Resources.Alarm.Properties!.Metrics[0] = stat({ Namespace: 'AWS/Lambda', Metric: 'Errors' });
    expect(schemaProblems(template)).toEqual([
      'Alarm (AWS::CloudWatch::Alarm): unknown property Metrics[0].MetricStat.Metric.Metric',
    ]);
  });

  it('accepts any properties on custom resources', () => {
    const template = validTemplate();
    template.Resources.Hook = { Type: 'Custom::Migrate', Properties: { ServiceToken: 'arn', Anything: 1 } };
    expect(schemaProblems(template)).toEqual([]);
  });
});

describe('referenceProblems', () => {
  it('finds nothing wrong with a valid template', () => {
    expect(referenceProblems(validTemplate())).toEqual([]);
  });

  it('reports dangling Ref, GetAtt, Sub, DependsOn and condition references', () => {
    const template = validTemplate();
    const properties = template.Resources.Proxy!.Properties!;
    properties.RoleArn = { 'Fn::GetAtt': ['Role', 'Arn'] };
    properties.VpcSecurityGroupIds = [{ 'Fn::GetAtt': ['Group', 'GroupArn'] }];
    properties.DBProxyName = { 'Fn::Sub': '${Stag}-${!Literal}' };
    properties.IdleClientTimeout = { 'Fn::If': ['IsProduction', 1, 2] };
    template.Resources.Group!.DependsOn = ['Proxy', 'Vpc'];
    template.Resources.Group!.Properties!.VpcId = { Ref: 'Vpc' };
    expect(referenceProblems(template).sort()).toEqual([
      'Group.VpcId: Ref Vpc: no such parameter or resource',
      'Group: DependsOn Vpc: no such resource',
      'Proxy.DBProxyName: Sub ${...} Stag: no such parameter or resource',
      'Proxy.IdleClientTimeout: no such condition IsProduction',
      'Proxy.RoleArn: GetAtt Role: no such resource',
      'Proxy.VpcSecurityGroupIds: GetAtt Group.GroupArn: unknown attribute of AWS::EC2::SecurityGroup',
    ]);
  });
});
