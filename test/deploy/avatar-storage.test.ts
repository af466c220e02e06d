import { deployedStages, resourcesOfType, template, type Stage } from '../support/packaging';

// The avatar bucket and its CDN as `serverless package` generates them: private, readable only by the
// stage's CloudFront distribution, over TLS only, written only through the forms the API signs.
const each = test.each(deployedStages.map((stage) => [stage, template(stage).template] as const));
const corsOrigin: Record<Stage, string> = { dev: '*', prod: 'https://conduit.example.com' };

each('%s: the bucket is private, encrypted, without ACLs, and kept when the stack goes', (stage, t) => {
  const bucket = t.Resources.AvatarBucket!;

  expect(resourcesOfType(t, 'AWS::S3::Bucket').map(([id]) => id)).toContain('AvatarBucket');
  expect(bucket.DeletionPolicy).toBe('Retain');
  expect(bucket.UpdateReplacePolicy).toBe('Retain');
  expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  expect(bucket.Properties.OwnershipControls).toEqual({
    Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
  });
  expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
    ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
  });
  // Browsers POST the form from the API's own origins; nothing else crosses origins.
  expect(bucket.Properties.CorsConfiguration.CorsRules).toEqual([
    { AllowedMethods: ['POST'], AllowedOrigins: [corsOrigin[stage]], AllowedHeaders: ['*'], MaxAge: 600 },
  ]);
});

each('%s: only this distribution reads avatars, and nobody reaches the bucket without TLS', (_stage, t) => {
  const policy = t.Resources.AvatarBucketPolicy!.Properties;

  expect(policy.Bucket).toEqual({ Ref: 'AvatarBucket' });
  expect(policy.PolicyDocument.Statement).toEqual([
    {
      Sid: 'CloudFrontReadsAvatars',
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: { 'Fn::Sub': '${AvatarBucket.Arn}/avatars/*' },
      Condition: {
        StringEquals: {
          'AWS:SourceArn': {
            'Fn::Sub':
              'arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${AvatarDistribution}',
          },
        },
      },
    },
    {
      Sid: 'TlsOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [{ 'Fn::GetAtt': ['AvatarBucket', 'Arn'] }, { 'Fn::Sub': '${AvatarBucket.Arn}/*' }],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
});

each(
  '%s: the distribution signs its reads (origin access control) and serves GET over https only',
  (stage, t) => {
    const control = t.Resources.AvatarOriginAccessControl!.Properties.OriginAccessControlConfig;
    const config = t.Resources.AvatarDistribution!.Properties.DistributionConfig;

    expect(control).toEqual({
      Name: `conduit-api-${stage}-avatars`,
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    expect(config.Origins).toEqual([
      {
        Id: 'avatars',
        DomainName: { 'Fn::GetAtt': ['AvatarBucket', 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': ['AvatarOriginAccessControl', 'Id'] },
        // Empty: the legacy origin access identity is not used.
        S3OriginConfig: { OriginAccessIdentity: '' },
      },
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: 'avatars',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
      // AWS's managed CachingOptimized and SecurityHeadersPolicy (X-Content-Type-Options: nosniff among them).
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
      ResponseHeadersPolicyId: '67f7725c-6f97-4210-82d7-5512b31e9d03',
    });
    expect(config.Enabled).toBe(true);
    expect(config.CacheBehaviors).toBeUndefined();
  },
);

each("%s: without avatarDomain, pictures are served on the distribution's own domain", (_stage, t) => {
  const config = t.Resources.AvatarDistribution!.Properties.DistributionConfig;
  const image = resourcesOfType(t, 'AWS::Lambda::Function').find(
    ([, fn]) => fn.Properties.Handler === 'functions/user/image.handler',
  )![1].Properties.Environment.Variables;

  // The condition is false when the parameter is left empty, as both stages leave it.
  expect(t.Conditions!.HasAvatarDomain).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  expect(config.Aliases).toEqual({ 'Fn::If': ['HasAvatarDomain', [''], { Ref: 'AWS::NoValue' }] });
  expect(config.ViewerCertificate['Fn::If'][2]).toEqual({ CloudFrontDefaultCertificate: true });
  expect(image.AVATAR_PUBLIC_URL['Fn::If'][2]).toEqual({
    'Fn::Sub': 'https://${AvatarDistribution.DomainName}/',
  });
  expect(image.AVATAR_UPLOAD_URL).toEqual({ 'Fn::Sub': 'https://${AvatarBucket.RegionalDomainName}/' });
  expect(image.AVATAR_BUCKET).toEqual({ Ref: 'AvatarBucket' });
});
