/**
 * Offline checks for CloudFormation templates (the data stack in deploy/, and the functions' template that
 * `serverless package` writes to .serverless/).
 *
 *   const template = loadTemplate('deploy/data-stack.yml'); // YAML with !Ref/!Sub/... or JSON
 *   expect(schemaProblems(template)).toEqual([]);           // types and property names against the AWS spec
 *   expect(referenceProblems(template)).toEqual([]);        // Ref/GetAtt/Sub/DependsOn/Condition targets exist
 *
 * The schema comes from `@aws-cdk/aws-service-spec` (the CloudFormation registry schemas, bundled offline).
 * It catches misspelt types and property names, properties nested at the wrong level and missing required
 * properties; it does not check scalar values (enums, numbers, ARNs) nor anything only AWS can tell (quotas,
 * engine versions available in a region). Values that are intrinsic functions are not checked, except that
 * both branches of an `Fn::If` are.
 */
import { readFileSync } from 'node:fs';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, TypeDefinition } from '@aws-cdk/service-spec-types';
import yaml from 'js-yaml';

/** A parsed template: short-form tags are already turned into their long forms (`{ Ref: x }`, `{ 'Fn::Sub': s }`). */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Transform?: unknown;
  Metadata?: Record<string, any>;
  Parameters?: Record<string, any>;
  Mappings?: Record<string, Record<string, Record<string, any>>>;
  Conditions?: Record<string, any>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, TemplateOutput>;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: unknown;
  CreationPolicy?: unknown;
  Metadata?: unknown;
}

export interface TemplateOutput {
  Value: unknown;
  Description?: string;
  Condition?: string;
  Export?: { Name: unknown };
}

// ---------------------------------------------------------------------------------------------------------
// Loading

/** Short-form functions whose long form is `{ 'Fn::<Name>': value }`, whatever the YAML node kind. */
const FUNCTIONS = [
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'GetAZs',
  'Base64',
  'Cidr',
  'Transform',
] as const;

const KINDS = ['scalar', 'sequence', 'mapping'] as const;

function tag(name: string, construct: (data: unknown) => unknown): yaml.Type[] {
  return KINDS.map((kind) => new yaml.Type(`!${name}`, { kind, construct }));
}

const CLOUDFORMATION_SCHEMA = yaml.DEFAULT_SCHEMA.extend([
  ...tag('Ref', (data) => ({ Ref: data })),
  ...tag('Condition', (data) => ({ Condition: data })),
  // `!GetAtt Primary.Endpoint.Address` splits at the first dot only: attribute names contain dots.
  ...tag('GetAtt', (data) => {
    if (typeof data !== 'string') return { 'Fn::GetAtt': data };
    const dot = data.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [data] : [data.slice(0, dot), data.slice(dot + 1)] };
  }),
  ...FUNCTIONS.flatMap((name) => tag(name, (data) => ({ [`Fn::${name}`]: data }))),
]);

/**
 * Reads a template file. `.json` files are parsed as JSON; anything else as CloudFormation YAML, turning the
 * short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt a.b`, `!If [...]`, ...) into their long forms.
 */
export function loadTemplate(file: string): Template {
  const text = readFileSync(file, 'utf8');
  const parsed: unknown = file.endsWith('.json')
    ? JSON.parse(text)
    : yaml.load(text, { schema: CLOUDFORMATION_SCHEMA, filename: file });
  if (!isObject(parsed)) throw new Error(`${file}: not a CloudFormation template (expected a mapping)`);
  return parsed as unknown as Template;
}

// ---------------------------------------------------------------------------------------------------------
// Schema checks

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;
let spec: SpecDatabase | undefined;

/** The AWS resource specification, loaded once per module registry (about a second and a few hundred MB). */
function specDatabase(): SpecDatabase {
  spec ??= loadAwsServiceSpecSync();
  return spec;
}

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'UpdatePolicy',
  'CreationPolicy',
  'Metadata',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const UPDATE_REPLACE_POLICIES = new Set(['Delete', 'Retain', 'Snapshot']);

/**
 * Every resource whose Type the AWS specification does not know, every resource attribute that is not a
 * CloudFormation one, every property name (at any depth the specification types) the resource does not
 * have, and every required property that is missing. Messages read `Primary (AWS::RDS::DBInstance):
 * unknown property Foo`; nested paths read `Proxy (AWS::RDS::DBProxy): unknown property Auth[0].Foo`.
 * `Custom::*` resources and `AWS::CloudFormation::CustomResource` are accepted with any properties.
 */
export function schemaProblems(template: Template): string[] {
  if (!isObject(template) || !isObject(template.Resources)) return ['template has no Resources mapping'];
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!isObject(resource)) {
      problems.push(`${id}: not a mapping`);
      continue;
    }
    const type = resource.Type;
    const label = `${id} (${String(type)})`;
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(key)) problems.push(`${label}: unknown resource attribute ${key}`);
    }
    if (resource.DeletionPolicy !== undefined && !DELETION_POLICIES.has(resource.DeletionPolicy)) {
      problems.push(`${label}: invalid DeletionPolicy ${String(resource.DeletionPolicy)}`);
    }
    if (
      resource.UpdateReplacePolicy !== undefined &&
      !UPDATE_REPLACE_POLICIES.has(resource.UpdateReplacePolicy)
    ) {
      problems.push(`${label}: invalid UpdateReplacePolicy ${String(resource.UpdateReplacePolicy)}`);
    }
    if (typeof type !== 'string') {
      problems.push(`${id}: missing Type`);
      continue;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
    const found = specDatabase().lookup('resource', 'cloudFormationType', 'equals', type);
    const definition = found[0];
    if (!definition) {
      problems.push(`${label}: unknown resource type`);
      continue;
    }
    const properties = resource.Properties ?? {};
    if (isIntrinsic(properties)) continue;
    if (!isObject(properties)) {
      problems.push(`${label}: Properties is not a mapping`);
      continue;
    }
    problems.push(...objectProblems(properties, definition.properties, '').map((p) => `${label}: ${p}`));
  }
  return problems;
}

/** Problems of a mapping against a set of property definitions; paths are relative to `path`. */
function objectProblems(value: Record<string, unknown>, definitions: Record<string, Property>, path: string) {
  const problems: string[] = [];
  for (const [name, child] of Object.entries(value)) {
    const definition = definitions[name];
    const childPath = path ? `${path}.${name}` : name;
    if (!definition) problems.push(`unknown property ${childPath}`);
    else problems.push(...valueProblems(child, typesOf(definition), childPath));
  }
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.required && !(name in value)) {
      problems.push(`missing required property ${path ? `${path}.${name}` : name}`);
    }
  }
  return problems;
}

/** A property's current type and the types it used to have (templates written against those still deploy). */
function typesOf(definition: Pick<Property, 'type' | 'previousTypes'>): PropertyType[] {
  return [definition.type, ...(definition.previousTypes ?? [])];
}

/** Problems of a value that may have any of `types`: the alternative that fits best wins. */
function valueProblems(value: unknown, types: PropertyType[], path: string): string[] {
  if (isIntrinsic(value)) {
    const branches = (value as Record<string, unknown>)['Fn::If'];
    if (!Array.isArray(branches)) return [];
    return branches
      .slice(1)
      .flatMap((branch) => (isNoValue(branch) ? [] : valueProblems(branch, types, path)));
  }
  let best: string[] | undefined;
  for (const type of types.flatMap(flattenUnion)) {
    const problems = singleTypeProblems(value, type, path);
    if (problems.length === 0) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return best ?? [];
}

function flattenUnion(type: PropertyType): PropertyType[] {
  return type.type === 'union' ? type.types.flatMap(flattenUnion) : [type];
}

/**
 * Problems of a value against one type. Only shapes are checked: a mapping against a type definition (or the
 * built-in Key/Value tag), the elements of a list, the values of a map. A value whose shape does not match
 * the type at all (a string where a list is expected) yields one problem, so that a union picks the right
 * alternative; scalars are never checked further.
 */
function singleTypeProblems(value: unknown, type: PropertyType, path: string): string[] {
  switch (type.type) {
    case 'ref': {
      if (!isObject(value)) return [`${path} should be a mapping`];
      const definition = specDatabase().get('typeDefinition', type.reference) as TypeDefinition;
      return objectProblems(value, definition.properties, path);
    }
    case 'tag': {
      if (!isObject(value)) return [`${path} should be a Key/Value mapping`];
      const tagProperties: Record<string, Property> = {
        Key: { type: { type: 'string' }, required: true },
        Value: { type: { type: 'string' }, required: true },
      };
      return objectProblems(value, tagProperties, path);
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path} should be a list`];
      return value.flatMap((element, i) =>
        isNoValue(element) ? [] : valueProblems(element, [type.element], `${path}[${i}]`),
      );
    case 'map':
      if (!isObject(value)) return [`${path} should be a mapping`];
      return Object.entries(value).flatMap(([key, element]) =>
        valueProblems(element, [type.element], `${path}.${key}`),
      );
    case 'json':
      return [];
    default:
      // string, number, integer, boolean, date-time, null: any scalar will do (CloudFormation coerces).
      return isObject(value) || Array.isArray(value) ? [`${path} should be a ${type.type}`] : [];
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reference checks

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/**
 * Dangling references: `Ref`s and `${...}` in `Fn::Sub` to names that are neither parameters, resources nor
 * pseudo parameters; `Fn::GetAtt` on missing resources or on attributes the resource type does not have;
 * `DependsOn`, resource/output `Condition`s and `Fn::If` conditions that do not exist; `Fn::FindInMap` on a
 * missing map. Messages read `Outputs.ProxyEndpoint: GetAtt Proxy.Foo: unknown attribute of AWS::RDS::DBProxy`.
 */
export function referenceProblems(template: Template): string[] {
  const resources = template.Resources ?? {};
  const parameters = template.Parameters ?? {};
  const conditions = template.Conditions ?? {};
  const mappings = template.Mappings ?? {};
  const problems: string[] = [];

  const refTarget = (name: unknown, where: string, how: string) => {
    if (typeof name !== 'string') return;
    if (!(name in resources) && !(name in parameters) && !PSEUDO_PARAMETERS.has(name)) {
      problems.push(`${where}: ${how} ${name}: no such parameter or resource`);
    }
  };
  const getAttTarget = (resource: string, attribute: unknown, where: string) => {
    const target = resources[resource];
    if (!target) return problems.push(`${where}: GetAtt ${resource}: no such resource`);
    if (typeof attribute !== 'string' || typeof target.Type !== 'string') return;
    if (target.Type.startsWith('Custom::') || target.Type === 'AWS::CloudFormation::CustomResource') return;
    if (target.Type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    const definition = specDatabase().lookup('resource', 'cloudFormationType', 'equals', target.Type)[0];
    if (definition && !(attribute in definition.attributes)) {
      problems.push(`${where}: GetAtt ${resource}.${attribute}: unknown attribute of ${target.Type}`);
    }
  };
  const conditionTarget = (name: unknown, where: string) => {
    if (typeof name === 'string' && !(name in conditions))
      problems.push(`${where}: no such condition ${name}`);
  };

  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, where));
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = node[key];
      if (key === 'Ref') return refTarget(arg, where, 'Ref');
      if (key === 'Condition' && typeof arg === 'string') return conditionTarget(arg, where);
      if (key === 'Fn::GetAtt') {
        const [resource, attribute] =
          typeof arg === 'string' ? splitOnce(arg) : Array.isArray(arg) ? arg : [];
        if (typeof resource === 'string') getAttTarget(resource, attribute, where);
        if (Array.isArray(arg)) walk(arg.slice(1), where);
        return;
      }
      if (key === 'Fn::Sub') {
        const [text, variables] = Array.isArray(arg) ? arg : [arg, {}];
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = match[1]!.trim();
            if (isObject(variables) && name in variables) continue;
            if (name.includes('.') && !PSEUDO_PARAMETERS.has(name)) {
              const [resource, attribute] = splitOnce(name);
              getAttTarget(resource, attribute, where);
            } else refTarget(name, where, 'Sub ${...}');
          }
        }
        return walk(variables, where);
      }
      if (key === 'Fn::If' && Array.isArray(arg)) {
        conditionTarget(arg[0], where);
        return walk(arg.slice(1), where);
      }
      if (
        key === 'Fn::FindInMap' &&
        Array.isArray(arg) &&
        typeof arg[0] === 'string' &&
        !(arg[0] in mappings)
      ) {
        problems.push(`${where}: FindInMap ${arg[0]}: no such mapping`);
      }
    }
    for (const [key, child] of Object.entries(node)) walk(child, where ? `${where}.${key}` : key);
  };

  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource)) continue;
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const name of dependsOn) {
      if (!(name in resources)) problems.push(`${id}: DependsOn ${name}: no such resource`);
    }
    if (resource.Condition !== undefined) conditionTarget(resource.Condition, id);
    walk(resource.Properties, id);
  }
  for (const [id, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined) conditionTarget(output.Condition, `Outputs.${id}`);
    walk(output.Value, `Outputs.${id}`);
    walk(output.Export, `Outputs.${id}`);
  }
  for (const [id, condition] of Object.entries(conditions)) walk(condition, `Conditions.${id}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ Ref: x }` or `{ 'Fn::...': ... }`: a value only CloudFormation can work out. */
function isIntrinsic(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

function isNoValue(value: unknown): boolean {
  return isObject(value) && value.Ref === 'AWS::NoValue';
}

function splitOnce(dotted: string): [string, string | undefined] {
  const dot = dotted.indexOf('.');
  return dot < 0 ? [dotted, undefined] : [dotted.slice(0, dot), dotted.slice(dot + 1)];
}
