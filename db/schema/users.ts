import { boolean, index, mysqlTable, primaryKey, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, ref, timestamp, timestamps } from './columns';

export const users = mysqlTable(
  'users',
  {
    id: id(),
    username: varchar('username', { length: 64 }).notNull(),
    email: varchar('email', { length: 255 }).notNull(),
    // Null for accounts that only sign in through a provider, until they set a password.
    passwordHash: varchar('password_hash', { length: 255 }),
    /** When a sign-in provider last asserted the e-mail is this account holder's; null until then. */
    emailVerifiedAt: timestamp('email_verified_at'),
    bio: text('bio'),
    image: varchar('image', { length: 2048 }),
    /** E-mails about the user's followers and the comments on their articles (PUT /api/user turns them off). */
    emailNotifications: boolean('email_notifications').notNull().default(true),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_username_unique').on(t.username), uniqueIndex('users_email_unique').on(t.email)],
);

export const follows = mysqlTable(
  'follows',
  {
    followerId: ref('follower_id').references(() => users.id),
    followeeId: ref('followee_id').references(() => users.id),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.followerId, t.followeeId] }),
    index('follows_followee_idx').on(t.followeeId),
  ],
);
