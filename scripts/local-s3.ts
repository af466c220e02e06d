import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';

/**
 * The local stand-in for the avatar bucket (`npm run dev`, the e2e tests): s3rver stores and serves the
 * objects, and a gate in front of it checks each browser upload (POST) against its signed policy as S3 does,
 * which s3rver does not (it reads the `policy` field and ignores it): the signature, the expiry, every
 * condition, no field the policy does not name, and the file's size against `content-length-range`. So a
 * form the API signs offline is held to the same rules as on AWS, and a refused upload is refused here too.
 * Reads (GET, HEAD, CORS preflights) go to s3rver as they came; any other write is refused, as S3 refuses an
 * unsigned one.
 */
export interface LocalS3 {
  /** The gate's URL, e.g. http://localhost:4569. */
  url: string;
  /** Where forms are sent and pictures read: `<url>/<bucket>/`. */
  bucketUrl: string;
  stop(): Promise<void>;
}

export interface LocalS3Options {
  port: number;
  bucket: string;
  /** Where s3rver keeps the objects (a folder under .local/). */
  directory: string;
  /** The browser origins the bucket's CORS rule allows to POST (`*`: any), as on AWS. */
  corsOrigins: string;
  /** Remove `directory` on stop (tests); `npm run dev` keeps the pictures between runs. */
  temporary?: boolean;
}

/** s3rver's default account: what the local stage's functions sign forms with (see scripts/dev.ts). */
export const localS3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * What the local stage's functions need to sign forms for `s3` (serverless.yml's local params read
 * AVATAR_UPLOAD_URL): its bucket URL and its account. A developer's own AWS session token would not match
 * that account, so it is left out.
 */
export function avatarEnvironmentFor(s3: LocalS3): Record<string, string> {
  return {
    AVATAR_UPLOAD_URL: s3.bucketUrl,
    AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
    AWS_SESSION_TOKEN: '',
  };
}

/**
 * The stand-in's own cap on what it holds in memory for one POST: ten times the largest file any form the
 * API signs allows. Past it, the upload is refused as too large, which is what S3 says of such a file.
 */
const maxBodyBytes = 20 * 1024 * 1024;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  mkdirSync(options.directory, { recursive: true });
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [corsRule(options.corsOrigins)] }],
  });
  const behind = (await s3.run()) as AddressInfo;
  const gate = createServer((req, res) => {
    handle(req, res, behind.port, options).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, 'InternalError', String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    gate.once('error', reject);
    gate.listen(options.port, '127.0.0.1', resolve);
  });
  const url = `http://localhost:${(gate.address() as AddressInfo).port}`;
  return {
    url,
    bucketUrl: `${url}/${options.bucket}/`,
    async stop() {
      gate.closeAllConnections();
      await new Promise((resolve) => gate.close(resolve));
      await s3.close();
      if (options.temporary) rmSync(options.directory, { recursive: true, force: true });
    },
  };
}

/** The bucket's CORS rule, as serverless.yml gives the deployed bucket: POST from the API's origins. */
function corsRule(origins: string): string {
  const allowed = origins
    .split(',')
    .map((origin) => `<AllowedOrigin>${origin.trim()}</AllowedOrigin>`)
    .join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    `${allowed}<AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>` +
    '<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>600</MaxAgeSeconds>' +
    '</CORSRule></CORSConfiguration>'
  );
}

async function handle(req: IncomingMessage, res: ServerResponse, port: number, options: LocalS3Options) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS')
    return pipeTo(port, req, res);
  // The bucket takes signed forms and nothing else: no anonymous PUT, DELETE or POST elsewhere.
  if (req.method !== 'POST' || path !== `/${options.bucket}`)
    return reply(res, 403, 'AccessDenied', 'Access Denied', req.headers.origin, options.corsOrigins);
  const body = await readBody(req);
  if (!body)
    return reply(res, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
  const form = await new Request('http://localhost/', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body,
  })
    .formData()
    .catch(() => undefined);
  if (!form)
    return reply(
      res,
      400,
      'MalformedPOSTRequest',
      'The body of your POST request is not well-formed multipart/form-data.',
    );
  const refusal = refusalOf(form, options.bucket);
  if (refusal) return reply(res, ...refusal, req.headers.origin, options.corsOrigins);
  return pipeTo(port, req, res, body);
}

type Refusal = [status: number, code: string, message: string];

/** Why S3 would refuse this upload, or undefined when it would store it. */
export function refusalOf(form: FormData, bucket: string, now = new Date()): Refusal | undefined {
  // Field names are case-insensitive; `file` is the content and must come last (S3 ignores what follows it,
  // and so does s3rver); x-ignore-* fields are not checked.
  const fields = new Map<string, string>();
  let file: Blob | undefined;
  for (const [name, value] of form.entries()) {
    if (name === 'file') {
      if (value instanceof Blob) file = value;
      break;
    }
    const lower = name.toLowerCase();
    if (fields.has(lower)) return [400, 'InvalidArgument', `Field ${name} appears more than once.`];
    if (typeof value === 'string') fields.set(lower, value);
  }
  if (!file) return [400, 'InvalidArgument', 'POST requires exactly one file upload per request.'];
  const encodedPolicy = fields.get('policy');
  const credential = fields.get('x-amz-credential') ?? '';
  const signature = fields.get('x-amz-signature') ?? '';
  if (!encodedPolicy) return [403, 'AccessDenied', 'Access Denied'];
  const [accessKeyId, day = '', region = '', service, terminator] = credential.split('/');
  if (accessKeyId !== localS3Credentials.accessKeyId || service !== 's3' || terminator !== 'aws4_request')
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256')
    return [400, 'InvalidRequest', 'Only AWS4-HMAC-SHA256 is supported.'];
  const expected = Buffer.from(signatureOf(encodedPolicy, day, region));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return [
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    ];

  let policy: { expiration?: string; conditions?: unknown[] };
  try {
    policy = JSON.parse(Buffer.from(encodedPolicy, 'base64').toString('utf8'));
  } catch {
    return [400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.'];
  }
  if (!policy.expiration || !(Date.parse(policy.expiration) > now.getTime()))
    return [403, 'AccessDenied', 'Invalid according to Policy: Policy expired.'];

  const values = new Map(fields).set('bucket', bucket);
  const named = new Set(['policy', 'x-amz-signature', 'file']);
  for (const condition of policy.conditions ?? []) {
    const check = checkOf(condition);
    if (!check)
      return [
        400,
        'InvalidPolicyDocument',
        `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}`,
      ];
    if (check.kind === 'size') {
      if (file.size > check.max)
        return [400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'];
      if (file.size < check.min)
        return [400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size'];
      continue;
    }
    named.add(check.field);
    const value = values.get(check.field) ?? '';
    const holds = check.kind === 'eq' ? value === check.value : value.startsWith(check.value);
    if (!holds)
      return [
        403,
        'AccessDenied',
        `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`,
      ];
  }
  const extra = [...fields.keys()].filter((name) => !named.has(name) && !name.startsWith('x-ignore-'));
  if (extra.length)
    return [403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`];
  return undefined;
}

type Check =
  { kind: 'eq' | 'starts-with'; field: string; value: string } | { kind: 'size'; min: number; max: number };

/** A condition as S3 documents them: `{field: value}`, `[op, "$field", value]`, or a length range. */
function checkOf(condition: unknown): Check | undefined {
  if (Array.isArray(condition)) {
    const [op, a, b] = condition as unknown[];
    if (op === 'content-length-range' && typeof a === 'number' && typeof b === 'number')
      return { kind: 'size', min: a, max: b };
    if (
      (op === 'eq' || op === 'starts-with') &&
      typeof a === 'string' &&
      a.startsWith('$') &&
      typeof b === 'string'
    )
      return { kind: op, field: a.slice(1).toLowerCase(), value: b };
    return undefined;
  }
  if (condition && typeof condition === 'object') {
    const entries = Object.entries(condition);
    const [field, value] = entries[0] ?? [];
    if (entries.length === 1 && typeof field === 'string' && typeof value === 'string')
      return { kind: 'eq', field: field.toLowerCase(), value };
  }
  return undefined;
}

/** Derived here on its own, not with lib/uploads' signer, so a fault there cannot pass its own check. */
function signatureOf(encodedPolicy: string, day: string, region: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = [day, region, 's3', 'aws4_request'].reduce<string | Buffer>(
    (k, part) => hmac(k, part),
    `AWS4${localS3Credentials.secretAccessKey}`,
  );
  return hmac(key, encodedPolicy).toString('hex');
}

/** The whole body, or undefined past maxBodyBytes (the rest is read and dropped, so the reply can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= maxBodyBytes) chunks.push(chunk as Buffer);
  }
  return size <= maxBodyBytes ? Buffer.concat(chunks) : undefined;
}

function pipeTo(port: number, req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
  const upstream = forward(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

/** S3's XML error, with CORS headers when the bucket's rule allows the origin (so a browser can read it). */
function reply(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  origin?: string,
  origins = '',
): void {
  const allowed = origins.split(',').map((o) => o.trim());
  const cors =
    origin && (allowed.includes('*') || allowed.includes(origin))
      ? { 'access-control-allow-origin': allowed.includes('*') ? '*' : origin, vary: 'Origin' }
      : {};
  res.writeHead(status, { 'content-type': 'application/xml', ...cors });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
}

const escapeXml = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
