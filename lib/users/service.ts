import { decoyHash, hashPassword, verifyPassword } from '#lib/auth/password';
import { signAccessToken } from '#lib/auth/tokens';
import { Unauthorized } from '#lib/errors';
import type { Registration, UserChanges } from './schemas';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  bio: string | null;
  image: string | null;
}

export type UserFields = Partial<Omit<UserRecord, 'id'>>;

export interface UserStore {
  findById(id: number): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Throws Conflict('username' | 'email') when either is taken. */
  insert(user: Omit<UserRecord, 'id' | 'bio' | 'image'>): Promise<number>;
  /** Throws Conflict('username' | 'email') when either is taken by someone else. */
  update(id: number, changes: UserFields): Promise<void>;
}

/** The authenticated user, as the RealWorld `user` envelope carries it. */
export interface AuthenticatedUser {
  email: string;
  token: string;
  username: string;
  bio: string | null;
  image: string | null;
}

const view = ({ email, username, bio, image }: UserRecord, token: string): AuthenticatedUser => ({
  email,
  token,
  username,
  bio,
  image,
});

/** Issues the access token a signed-in user receives; the seed script passes one that signs nothing. */
export type TokenSigner = (userId: number) => Promise<string>;

export function userService(store: UserStore, signToken: TokenSigner = signAccessToken) {
  async function existing(id: number): Promise<UserRecord> {
    const user = await store.findById(id);
    // A valid token for a user that no longer exists is as good as no token.
    if (!user) throw new Unauthorized('token', 'is invalid');
    return user;
  }

  return {
    async register({ username, email, password }: Registration): Promise<AuthenticatedUser> {
      const passwordHash = await hashPassword(password);
      const id = await store.insert({ username, email, passwordHash });
      return view({ id, username, email, passwordHash, bio: null, image: null }, await signToken(id));
    },

    /** Unknown e-mail and wrong password answer alike, after the same amount of hashing work. */
    async login(email: string, password: string): Promise<AuthenticatedUser> {
      const user = await store.findByEmail(email);
      const matches = await verifyPassword(password, user?.passwordHash ?? decoyHash);
      if (!user || !matches) throw new Unauthorized('credentials', 'invalid');
      return view(user, await signToken(user.id));
    },

    async current(id: number, token: string): Promise<AuthenticatedUser> {
      return view(await existing(id), token);
    },

    async update(id: number, { password, ...changes }: UserChanges): Promise<AuthenticatedUser> {
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      await store.update(id, { ...changes, ...(passwordHash && { passwordHash }) });
      return view(await existing(id), await signToken(id));
    },
  };
}
