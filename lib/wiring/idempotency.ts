import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { database } from '#db/client';
import { idempotencyRepository } from '#db/repositories/idempotency';
import { secrets, type SigningKey } from '#lib/config/secrets';
import { idempotencyService, type IdempotencyStore } from '#lib/idempotency/service';
import { lazy } from '#lib/lazy';

/**
 * What route() loads on demand for a request with an Idempotency-Key (the `idempotent` route option). What
 * the table keeps is protected by keys derived from the signing keys (a secret the functions hold, never the
 * database): a request's digest is an HMAC, so a registration's password cannot be guessed from a dump, and a
 * stored reply is sealed (AES-256-GCM), so a registration's tokens are never kept in clear.
 */
export const idempotency = lazy(() => idempotencyService(sealed(idempotencyRepository(database()))));

interface DerivedKeys {
  digest: Buffer;
  seal: Buffer;
}

const derived = new WeakMap<SigningKey, DerivedKeys>();

/** Each current signing key's derived keys, newest first (a rotation keeps the previous key a while). */
function keys(): DerivedKeys[] {
  return secrets().signingKeys.map((signingKey) => {
    let found = derived.get(signingKey);
    if (!found) {
      const derive = (purpose: string) =>
        Buffer.from(hkdfSync('sha256', signingKey.key, '', `conduit idempotency ${purpose}`, 32));
      found = { digest: derive('digest'), seal: derive('reply') };
      derived.set(signingKey, found);
    }
    return found;
  });
}

/** The digests of what a request asked (its validated path and body, as JSON), one per current key. */
export const requestHashesOf = (request: string) =>
  keys().map(({ digest }) => createHmac('sha256', digest).update(request).digest('hex')) as [
    string,
    ...string[],
  ];

function seal(text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys()[0]!.seal, iv);
  const sealedText = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, sealedText, cipher.getAuthTag()]).toString('base64')}`;
}

/** The text `sealed` was made from, or undefined when no current key opens it (rotated out since). */
function open(sealedText: string): string | undefined {
  const bytes = Buffer.from(sealedText.replace(/^v1\./, ''), 'base64');
  const [iv, body, tag] = [bytes.subarray(0, 12), bytes.subarray(12, -16), bytes.subarray(-16)];
  for (const { seal: key } of keys()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      // Another key sealed it: try the next.
    }
  }
  return undefined;
}

/** The store, with replies sealed on the way in and opened on the way out. */
function sealed(store: IdempotencyStore): IdempotencyStore {
  return {
    ...store,
    complete: (id, reply) => store.complete(id, { ...reply, body: seal(reply.body) }),
    async find(request) {
      const claim = await store.find(request);
      if (!claim?.reply) return claim;
      const body = open(claim.reply.body);
      return body === undefined
        ? { ...claim, reply: undefined, unreadable: true }
        : { ...claim, reply: { ...claim.reply, body } };
    },
  };
}
