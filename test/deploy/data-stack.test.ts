// The data tier's template (deploy/data-stack.yml), checked offline: schema, references, and the properties
// that keep data safe and reachable only from the functions. Nothing here talks to AWS.
import path from 'node:path';
import { statementDeadlineMs } from '#db/client';
import {
  loadTemplate,
  referenceProblems,
  schemaProblems,
  type Template,
  type TemplateResource,
} from '../support/cloudformation';

const template = loadTemplate(path.join(__dirname, '..', '..', 'deploy', 'data-stack.yml'));
const resources = template.Resources;
const stages = ['dev', 'prod'] as const;
type Stage = (typeof stages)[number];

function resource(id: string): TemplateResource {
  const found = resources[id];
  if (!found) throw new Error(`no resource ${id} in deploy/data-stack.yml`);
  return found;
}

function ofType(type: string): [string, TemplateResource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/**
 * Evaluates the intrinsic functions this template uses for per-stage values (Ref Stage, FindInMap, If,
 * Equals, Not, Condition) as CloudFormation would with `Stage=<stage>`; other values come back unchanged.
 */
function resolve(value: unknown, stage: Stage, t: Template = template): any {
  if (Array.isArray(value)) return value.map((v) => resolve(v, stage, t));
  if (typeof value !== 'object' || value === null) return value;
  const v = value as Record<string, any>;
  if (v.Ref === 'Stage') return stage;
  if ('Condition' in v && Object.keys(v).length === 1) return condition(v.Condition, stage, t);
  if ('Fn::FindInMap' in v) {
    const [map, key, field] = resolve(v['Fn::FindInMap'], stage, t);
    return t.Mappings![map]![key]![field];
  }
  if ('Fn::If' in v) {
    const [name, whenTrue, whenFalse] = v['Fn::If'];
    return resolve(condition(name, stage, t) ? whenTrue : whenFalse, stage, t);
  }
  if ('Fn::Equals' in v) {
    const [a, b] = resolve(v['Fn::Equals'], stage, t);
    return a === b;
  }
  if ('Fn::Not' in v) return !resolve(v['Fn::Not'][0], stage, t);
  return value;
}

function condition(name: string, stage: Stage, t: Template = template): boolean {
  const definition = t.Conditions?.[name];
  if (definition === undefined) throw new Error(`no condition ${name}`);
  return resolve(definition, stage, t) as boolean;
}

/** Resources that exist for `stage` (their Condition, if any, holds). */
function existing(stage: Stage): [string, TemplateResource][] {
  return Object.entries(resources).filter(
    ([, r]) => r.Condition === undefined || condition(r.Condition, stage),
  );
}

/** The logical id a `{ Ref: X }` or `{ 'Fn::GetAtt': [X, 'GroupId'] }` points at. */
function target(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, any>;
  if (typeof v.Ref === 'string') return v.Ref;
  if (Array.isArray(v['Fn::GetAtt'])) return v['Fn::GetAtt'][0];
  return undefined;
}

const primaries = ofType('AWS::RDS::DBInstance').filter(([, r]) => !r.Properties?.SourceDBInstanceIdentifier);
const replicas = ofType('AWS::RDS::DBInstance').filter(([, r]) => r.Properties?.SourceDBInstanceIdentifier);

describe('deploy/data-stack.yml', () => {
  it('matches the AWS resource specification', () => {
    expect(schemaProblems(template)).toEqual([]);
  });

  it('references only parameters, resources, attributes and conditions that exist', () => {
    expect(referenceProblems(template)).toEqual([]);
  });

  it('takes a Stage parameter limited to dev and prod, with an IsProd condition', () => {
    expect(template.Parameters?.Stage?.AllowedValues).toEqual(['dev', 'prod']);
    expect(stages.map((stage) => condition('IsProd', stage))).toEqual([false, true]);
  });

  describe('primary database instance', () => {
    it('exists once, as the proxy target', () => {
      expect(primaries.map(([id]) => id)).toEqual(['Primary']);
      const targetGroup = resource('ProxyTargetGroup').Properties!;
      expect(targetGroup.TargetGroupName).toBe('default');
      expect(targetGroup.DBInstanceIdentifiers).toEqual([{ Ref: 'Primary' }]);
      expect(target(targetGroup.DBProxyName)).toBe('Proxy');
    });

    it.each(primaries)('%s survives deletion and replacement', (_id, primary) => {
      expect(primary.DeletionPolicy).toBe('Snapshot');
      expect(primary.UpdateReplacePolicy).toBe('Snapshot');
      expect(primary.Properties!.DeletionProtection).toBe(true);
      expect(primary.Properties!.DeleteAutomatedBackups).toBe(false);
    });

    it.each(primaries)(
      '%s is encrypted, private MySQL 8.4 with RDS-managed master credentials',
      (_id, primary) => {
        const p = primary.Properties!;
        expect(p.StorageEncrypted).toBe(true);
        expect(p.PubliclyAccessible).toBe(false);
        expect(p.Engine).toBe('mysql');
        expect(String(p.EngineVersion)).toMatch(/^8\.4(\.\d+)?$/);
        expect(p.ManageMasterUserPassword).toBe(true);
        expect(p.MasterUserPassword).toBeUndefined();
        expect(p.DBName).toBe('conduit');
        expect(p.VPCSecurityGroups.map(target)).toEqual(['DatabaseSecurityGroup']);
      },
    );

    it.each(primaries)('%s keeps backups at least 7 days in every stage, 14 in prod', (_id, primary) => {
      const days = stages.map((stage) => Number(resolve(primary.Properties!.BackupRetentionPeriod, stage)));
      expect(days[0]).toBeGreaterThanOrEqual(7);
      expect(days[1]).toBeGreaterThanOrEqual(14);
    });

    it.each(primaries)('%s is Multi-AZ exactly in prod (the IsProd condition)', (_id, primary) => {
      expect(primary.Properties!.MultiAZ).toEqual({ 'Fn::If': ['IsProd', true, false] });
      expect(stages.map((stage) => resolve(primary.Properties!.MultiAZ, stage))).toEqual([false, true]);
    });

    it.each(primaries)('%s uses a mysql8.4 parameter group that requires TLS', (_id, primary) => {
      const group = resource(target(primary.Properties!.DBParameterGroupName)!);
      expect(group.Type).toBe('AWS::RDS::DBParameterGroup');
      expect(group.Properties!.Family).toBe('mysql8.4');
      expect(['1', 'ON']).toContain(String(group.Properties!.Parameters.require_secure_transport));
      expect(group.Properties!.Parameters.character_set_server).toBe('utf8mb4');
    });

    it.each(primaries)(
      '%s ends a row-lock wait before the functions give the statement up',
      (_id, primary) => {
        const group = resource(target(primary.Properties!.DBParameterGroupName)!);
        const lockWaitMs = Number(group.Properties!.Parameters.innodb_lock_wait_timeout) * 1000;
        expect(lockWaitMs).toBeGreaterThan(0);
        expect(lockWaitMs).toBeLessThan(statementDeadlineMs);
      },
    );

    it.each(primaries)("%s lets the migrator create the list counts' triggers", (_id, primary) => {
      const group = resource(target(primary.Properties!.DBParameterGroupName)!);
      expect(String(group.Properties!.Parameters.log_bin_trust_function_creators)).toBe('1');
    });
  });

  describe('read replica', () => {
    it('replicates the primary, privately, through the same TLS-only parameter group', () => {
      expect(replicas.map(([id]) => id)).toEqual(['Replica']);
      const p = resource('Replica').Properties!;
      expect(p.SourceDBInstanceIdentifier).toEqual({ Ref: 'Primary' });
      expect(p.PubliclyAccessible).toBe(false);
      expect(target(p.DBParameterGroupName)).toBe(
        target(resource('Primary').Properties!.DBParameterGroupName),
      );
      expect(target(p.DBSubnetGroupName)).toBe('DatabaseSubnetGroup');
      // Explicit, or the next stack update reverts the inherited security groups to the default.
      expect(p.VPCSecurityGroups.map(target)).toEqual(['DatabaseSecurityGroup']);
    });

    it('leaves to the source what CloudFormation says a replica must inherit', () => {
      const p = resource('Replica').Properties!;
      for (const inherited of [
        'BackupRetentionPeriod',
        'DBName',
        'MasterUsername',
        'MasterUserPassword',
        'ManageMasterUserPassword',
        'PreferredBackupWindow',
        'StorageEncrypted',
        'KmsKeyId',
        'DBSnapshotIdentifier',
      ]) {
        expect([inherited, p[inherited]]).toEqual([inherited, undefined]);
      }
    });
  });

  describe('secrets', () => {
    const secrets = ofType('AWS::SecretsManager::Secret');

    it('are the app and migrator users, named per stage, with generated alphanumeric passwords', () => {
      const byName: Record<string, any> = Object.fromEntries(
        secrets.map(([, s]) => [s.Properties!.Name['Fn::Sub'], s.Properties!.GenerateSecretString]),
      );
      expect(Object.keys(byName).sort()).toEqual(['conduit/${Stage}/db/app', 'conduit/${Stage}/db/migrator']);
      expect(JSON.parse(byName['conduit/${Stage}/db/app'].SecretStringTemplate)).toEqual({
        username: 'conduit_app',
      });
      expect(JSON.parse(byName['conduit/${Stage}/db/migrator'].SecretStringTemplate)).toEqual({
        username: 'conduit_migrator',
      });
      for (const generate of Object.values(byName)) {
        expect(generate).toMatchObject({ GenerateStringKey: 'password', ExcludePunctuation: true });
        expect(generate.PasswordLength).toBeGreaterThanOrEqual(32);
      }
    });

    it.each(secrets)('%s is retained on deletion and replacement', (_id, secret) => {
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.UpdateReplacePolicy).toBe('Retain');
    });
  });

  describe('RDS Proxy', () => {
    const proxies = ofType('AWS::RDS::DBProxy');
    const secretIds = ofType('AWS::SecretsManager::Secret')
      .map(([id]) => id)
      .sort();

    it('requires TLS and authenticates with exactly the two secrets, without IAM', () => {
      expect(proxies.map(([id]) => id)).toEqual(['Proxy']);
      const p = resource('Proxy').Properties!;
      expect(p.EngineFamily).toBe('MYSQL');
      expect(p.RequireTLS).toBe(true);
      expect(p.Auth.map((auth: any) => target(auth.SecretArn)).sort()).toEqual([
        'AppSecret',
        'MigratorSecret',
      ]);
      expect(secretIds).toEqual(['AppSecret', 'MigratorSecret']);
      for (const auth of p.Auth) expect(auth).toMatchObject({ AuthScheme: 'SECRETS', IAMAuth: 'DISABLED' });
      expect(p.VpcSecurityGroupIds.map(target)).toEqual(['ProxySecurityGroup']);
      expect(p.VpcSubnetIds.map(target)).toEqual(['PrivateSubnet1', 'PrivateSubnet2']);
    });

    it('has a role that may only read those two secrets, assumable only by RDS', () => {
      const role = resource(target(resource('Proxy').Properties!.RoleArn)!);
      expect(role.Type).toBe('AWS::IAM::Role');
      const trust = role.Properties!.AssumeRolePolicyDocument.Statement;
      expect(trust).toHaveLength(1);
      expect(trust[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'rds.amazonaws.com' },
        Action: 'sts:AssumeRole',
      });
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
      const statements = role.Properties!.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.NotAction).toBeUndefined();
        expect(statement.NotResource).toBeUndefined();
        expect([statement.Action].flat()).toEqual(['secretsmanager:GetSecretValue']);
        const resourcesOfStatement = [statement.Resource].flat();
        expect(resourcesOfStatement.every((r: unknown) => typeof r !== 'string' || !r.includes('*'))).toBe(
          true,
        );
        expect(resourcesOfStatement.map(target).sort()).toEqual(['AppSecret', 'MigratorSecret']);
      }
    });
  });

  describe('network access to MySQL', () => {
    /** Every ingress rule: inline in a security group, or a separate SecurityGroupIngress resource. */
    const ingress = [
      ...ofType('AWS::EC2::SecurityGroup').flatMap(([id, group]) =>
        (group.Properties!.SecurityGroupIngress ?? []).map((rule: any) => ({ group: id, rule })),
      ),
      ...ofType('AWS::EC2::SecurityGroupIngress').map(([, r]) => ({
        group: target(r.Properties!.GroupId),
        rule: r.Properties!,
      })),
    ];
    const coversMysql = (rule: any) =>
      String(rule.IpProtocol) === '-1' || (Number(rule.FromPort) <= 3306 && Number(rule.ToPort) >= 3306);
    const admitted = (group: string) =>
      ingress
        .filter((entry) => entry.group === group && coversMysql(entry.rule))
        .map((entry) => target(entry.rule.SourceSecurityGroupId))
        .sort();

    it('lets only the proxy and the functions into the database', () => {
      expect(admitted('DatabaseSecurityGroup')).toEqual(['FunctionSecurityGroup', 'ProxySecurityGroup']);
    });

    it('lets only the functions into the proxy', () => {
      expect(admitted('ProxySecurityGroup')).toEqual(['FunctionSecurityGroup']);
    });

    it('never admits MySQL from an address range', () => {
      const mysqlRules = ingress.filter((entry) => coversMysql(entry.rule));
      expect(mysqlRules.length).toBeGreaterThanOrEqual(3);
      for (const { rule } of mysqlRules) {
        expect(rule).not.toHaveProperty('CidrIp');
        expect(rule).not.toHaveProperty('CidrIpv6');
        expect(rule).not.toHaveProperty('SourcePrefixListId');
        expect(target(rule.SourceSecurityGroupId)).toMatch(/SecurityGroup$/);
      }
      expect(JSON.stringify(ingress)).not.toContain('0.0.0.0/0');
    });
  });

  describe('private networking', () => {
    it('reaches SSM through an interface endpoint with private DNS in the private subnets', () => {
      const endpoints = ofType('AWS::EC2::VPCEndpoint').filter(
        ([, e]) => e.Properties!.ServiceName?.['Fn::Sub'] === 'com.amazonaws.${AWS::Region}.ssm',
      );
      expect(endpoints).toHaveLength(1);
      const p = endpoints[0]![1].Properties!;
      expect(p.VpcEndpointType).toBe('Interface');
      expect(p.PrivateDnsEnabled).toBe(true);
      expect(p.SubnetIds.map(target)).toEqual(['PrivateSubnet1', 'PrivateSubnet2']);
      const vpc = resource(target(p.VpcId)!).Properties!;
      expect([vpc.EnableDnsSupport, vpc.EnableDnsHostnames]).toEqual([true, true]);
      const group = resource(target(p.SecurityGroupIds[0])!).Properties!;
      expect(group.SecurityGroupIngress).toEqual([
        expect.objectContaining({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: expect.anything() }),
      ]);
      expect(target(group.SecurityGroupIngress[0].SourceSecurityGroupId)).toBe('FunctionSecurityGroup');
    });

    it('gives each private subnet a NAT route: one gateway in dev, one per AZ in prod', () => {
      for (const stage of stages) {
        const gateways = existing(stage).filter(([, r]) => r.Type === 'AWS::EC2::NatGateway');
        expect([stage, gateways.length]).toEqual([stage, stage === 'prod' ? 2 : 1]);
        const routes = existing(stage)
          .filter(([, r]) => r.Type === 'AWS::EC2::Route' && r.Properties!.NatGatewayId)
          .map(([, r]) => target(resolve(r.Properties!.NatGatewayId, stage)));
        expect([stage, routes.sort()]).toEqual([
          stage,
          stage === 'prod' ? ['NatGateway1', 'NatGateway2'] : ['NatGateway1', 'NatGateway1'],
        ]);
      }
    });
  });

  describe('outputs', () => {
    const required = [
      'PrivateSubnetIds',
      'FunctionSecurityGroupId',
      'ProxyEndpoint',
      'PrimaryEndpoint',
      'ReplicaEndpoint',
      'MasterSecretArn',
      'AppSecretName',
      'MigratorSecretName',
    ];

    it('include every value the functions stack imports', () => {
      expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(required));
    });

    it('are each exported as ${AWS::StackName}-<Key>', () => {
      const outputs = Object.entries(template.Outputs ?? {});
      expect(outputs.length).toBeGreaterThanOrEqual(required.length);
      for (const [key, output] of outputs) {
        expect([key, output.Export?.Name]).toEqual([key, { 'Fn::Sub': `\${AWS::StackName}-${key}` }]);
      }
    });

    it('point at the right resources', () => {
      const value = (key: string) => template.Outputs![key]!.Value;
      expect(value('PrivateSubnetIds')).toEqual({
        'Fn::Join': [',', [{ Ref: 'PrivateSubnet1' }, { Ref: 'PrivateSubnet2' }]],
      });
      expect(value('FunctionSecurityGroupId')).toEqual({
        'Fn::GetAtt': ['FunctionSecurityGroup', 'GroupId'],
      });
      expect(value('ProxyEndpoint')).toEqual({ 'Fn::GetAtt': ['Proxy', 'Endpoint'] });
      expect(value('PrimaryEndpoint')).toEqual({ 'Fn::GetAtt': ['Primary', 'Endpoint.Address'] });
      expect(value('ReplicaEndpoint')).toEqual({ 'Fn::GetAtt': ['Replica', 'Endpoint.Address'] });
      expect(value('MasterSecretArn')).toEqual({ 'Fn::GetAtt': ['Primary', 'MasterUserSecret.SecretArn'] });
      // The names must be the secrets' own names, which SSM's /aws/reference/secretsmanager/ path uses.
      expect(value('AppSecretName')).toEqual(resource('AppSecret').Properties!.Name);
      expect(value('MigratorSecretName')).toEqual(resource('MigratorSecret').Properties!.Name);
    });
  });
});
