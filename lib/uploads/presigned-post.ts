import { createHmac } from 'node:crypto';

/**
 * A presigned S3 POST (browser-based upload, signature version 4): a form whose policy S3 checks before it
 * stores anything. It is what `createPresignedPost` of `@aws-sdk/s3-presigned-post` returns, field for field
 * (test/unit/presigned-post.test.ts compares the two), built with node:crypto alone: the SDK would load
 * `@aws-sdk/client-s3` for it, ~230 ms of `require()` on a function that is cold for most of its calls.
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' token (a Lambda role's): it becomes a field the policy names. */
  sessionToken?: string;
}

/** A POST policy condition, as S3 documents them: `{field: value}`, or an operator on a `$field`. */
export type Condition =
  | Record<string, string>
  | ['eq' | 'starts-with', `$${string}`, string]
  | ['content-length-range', number, number];

export interface PostRequest {
  /** Where the form is sent: the bucket's endpoint. */
  url: string;
  bucket: string;
  key: string;
  region: string;
  credentials: Credentials;
  /** Fields the form must carry as they are (each also becomes an exact-match condition). */
  fields: Record<string, string>;
  /** Further conditions (ranges, prefixes). */
  conditions: Condition[];
  expiresInSeconds: number;
  now: Date;
}

export interface PresignedPost {
  url: string;
  /** Every field of the form, to be sent before the file. */
  fields: Record<string, string>;
}

const algorithm = 'AWS4-HMAC-SHA256';

/** `2026-12-01T12:00:00Z`: ISO 8601 without milliseconds, as S3 expects the policy's expiration. */
const iso8601 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export function presignPost(request: PostRequest): PresignedPost {
  const { credentials, region } = request;
  const signingDate = iso8601(request.now).replace(/[-:]/g, '');
  const day = signingDate.slice(0, 8);
  const fields: Record<string, string> = {
    ...request.fields,
    bucket: request.bucket,
    'X-Amz-Algorithm': algorithm,
    'X-Amz-Credential': `${credentials.accessKeyId}/${day}/${region}/s3/aws4_request`,
    'X-Amz-Date': signingDate,
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
  };
  const policy = {
    expiration: iso8601(new Date(request.now.getTime() + request.expiresInSeconds * 1000)),
    conditions: [
      ...request.conditions,
      ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
      { key: request.key },
    ],
  };
  const encodedPolicy = Buffer.from(JSON.stringify(policy)).toString('base64');
  // The signature version 4 signing key: the secret, narrowed to the day, the region and the service.
  const signingKey = ['s3', 'aws4_request'].reduce<Buffer>(
    (key, part) => hmac(key, part),
    hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region),
  );
  return {
    url: request.url,
    fields: {
      ...fields,
      key: request.key,
      Policy: encodedPolicy,
      'X-Amz-Signature': hmac(signingKey, encodedPolicy).toString('hex'),
    },
  };
}
