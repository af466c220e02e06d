import { hashPassword } from '#lib/auth/password';
import { articleService } from '#lib/articles/service';
import { commentService } from '#lib/comments/service';
import { profileService } from '#lib/profiles/service';
import type { Database } from '#db/client';
import { articleRepository } from '#db/repositories/articles';
import { commentRepository } from '#db/repositories/comments';
import { profileRepository } from '#db/repositories/profiles';
import { userRepository } from '#db/repositories/users';
import { databaseOf } from '#db/urls';
import { developmentDatabaseUrl, usingDatabase } from './local-server';

/**
 * Demo data for local development. Every demo user signs in with the password `password123`:
 *   jake@example.com, jane@example.com, alex@example.com
 */
export const demoPassword = 'password123';

const demoUsers = [
  {
    username: 'jake',
    email: 'jake@example.com',
    bio: 'I work at State Farm.',
    image: 'https://static.productionready.io/images/smiley-cyrus.jpg',
  },
  { username: 'jane', email: 'jane@example.com', bio: 'Writes about databases.', image: null },
  { username: 'alex', email: 'alex@example.com', bio: null, image: null },
] as const;

type DemoUser = (typeof demoUsers)[number]['username'];

const demoArticles: {
  author: DemoUser;
  title: string;
  description: string;
  body: string;
  tagList: string[];
}[] = [
  {
    author: 'jake',
    title: 'How to train your dragon',
    description: 'Ever wonder how?',
    body: 'It takes a Jacobian.\n\nStart small, feed it often, and never let it near the servers.',
    tagList: ['dragons', 'training'],
  },
  {
    author: 'jake',
    title: 'Getting started with AWS Lambda',
    description: 'One function per route',
    body: 'Each route of this API is a Lambda function of its own, bundled by esbuild.',
    tagList: ['aws', 'serverless'],
  },
  {
    author: 'jane',
    title: 'Drizzle ORM on MariaDB',
    description: 'What works and what does not',
    body: 'Use the core query builder with joins; relational queries fail on MariaDB.',
    tagList: ['drizzle', 'mysql', 'serverless'],
  },
  {
    author: 'jane',
    title: 'Writing Middy middlewares',
    description: 'before, after, onError',
    body: 'A middleware is an object with up to three hooks; the order of `use` calls matters.',
    tagList: ['middy', 'serverless'],
  },
  {
    author: 'alex',
    title: 'Schöne Grüße aus München',
    description: 'A slug that is not ASCII',
    body: 'Titles keep their letters; slugs keep them too, so clients must percent-encode them.',
    tagList: ['travel', 'unicode'],
  },
];

const follows: [DemoUser, DemoUser][] = [
  ['jane', 'jake'],
  ['alex', 'jake'],
  ['alex', 'jane'],
  ['jake', 'jane'],
];

/** [who, index into demoArticles] */
const favorites: [DemoUser, number][] = [
  ['jane', 0],
  ['alex', 0],
  ['alex', 2],
  ['jake', 2],
  ['jake', 4],
];

const comments: [DemoUser, number, string][] = [
  ['jane', 0, 'Which Jacobian, though?'],
  ['alex', 0, 'Mine ate the rack.'],
  ['jake', 2, 'Good to know about relational queries.'],
  ['jane', 4, 'Grüße zurück!'],
];

export interface SeedResult {
  skipped: boolean;
  users: number;
  articles: number;
}

/**
 * Writes the demo data through the domain services (users through their store, with hashed passwords), so it
 * obeys the API's rules (slugs, normalised tags). Does nothing when any demo user already exists, so it is safe to run on every start.
 */
export async function seed(db: Database): Promise<SeedResult> {
  const userStore = userRepository(db);
  const existing = await Promise.all(demoUsers.map(({ email }) => userStore.findByEmail(email)));
  if (existing.some(Boolean)) return { skipped: true, users: 0, articles: 0 };

  const articles = articleService(articleRepository(db));
  const profiles = profileService(profileRepository(db));
  const discussion = commentService(commentRepository(db), articles.ref);

  const ids = {} as Record<DemoUser, number>;
  for (const { username, email, bio, image } of demoUsers) {
    // Straight to the store: registering through the service would open sessions nobody uses.
    const id = await userStore.insert({ username, email, passwordHash: await hashPassword(demoPassword) });
    if (bio || image) await userStore.update(id, { bio, image });
    ids[username] = id;
  }
  const slugs: string[] = [];
  for (const { author, ...article } of demoArticles)
    slugs.push((await articles.create(ids[author], article)).slug);
  for (const [follower, followee] of follows) await profiles.follow(ids[follower], followee);
  for (const [who, index] of favorites) await articles.favorite(ids[who], slugs[index]!);
  for (const [who, index, body] of comments) await discussion.create(ids[who], slugs[index]!, body);
  return { skipped: false, users: demoUsers.length, articles: demoArticles.length };
}

/** Seeds the (already migrated) database at `databaseUrl`. */
export const seedDatabase = (databaseUrl: string): Promise<SeedResult> => usingDatabase(databaseUrl, seed);

if (require.main === module) {
  developmentDatabaseUrl()
    .then(async (url) => {
      const result = await seedDatabase(url);
      console.log(
        result.skipped
          ? `demo data already in ${databaseOf(url)}; nothing to do`
          : `seeded ${databaseOf(url)}: ${result.users} users (password ${demoPassword}), ${result.articles} articles`,
      );
    })
    .catch((error: Error & { code?: string }) => {
      console.error(
        error.code === 'ER_NO_SUCH_TABLE'
          ? `${error.message}: run \`npm run db:migrate\` first`
          : error.message,
      );
      process.exit(1);
    });
}
