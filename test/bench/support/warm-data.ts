import { createConnection } from 'mysql2/promise';
import { hashPassword } from '#lib/auth/password';

/**
 * The warm-path benchmark's data, written in bulk SQL (seconds, not minutes, at 100,000 articles), and the
 * hand-written SQL each measured reply is compared with.
 */
export interface Scale {
  label: string;
  users: number;
  articles: number;
}

const tagCount = 50;

/**
 * Seeds the (empty, migrated) database at `adminUrl`: users `user1`…`userN` (password `password123`), each
 * following ten others; articles `article-1`… (ten per author, one a minute from 2026-01-01), three tags each
 * of `tag0`…`tag49`, three favorites and two comments each. Returns the viewer's id (user1).
 */
export async function seed(adminUrl: string, { users, articles }: Scale): Promise<number> {
  const connection = await createConnection({ uri: adminUrl, timezone: 'Z', multipleStatements: false });
  const run = (sql: string, values: unknown[] = []) => connection.query(sql, values);
  try {
    const hash = await hashPassword('password123');
    // 1…100,000 from the cross product of digits: portable (MySQL and MariaDB), no recursion limits.
    await run('create table bench_digits (d int primary key)');
    await run('insert into bench_digits values (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)');
    await run('create table bench_numbers (n int primary key)');
    await run(
      `insert into bench_numbers
       select 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d
       from bench_digits a, bench_digits b, bench_digits c, bench_digits e, bench_digits f`,
    );
    const when = "timestamp('2026-01-01 00:00:00')";
    await run(
      `insert into users (id, username, email, password_hash, bio, image, created_at, updated_at)
       select n, concat('user', n), concat('user', n, '@example.com'), ?, concat('Bio of user ', n), null,
              ${when}, ${when}
       from bench_numbers where n <= ?`,
      [hash, users],
    );
    await run(
      `insert ignore into follows (follower_id, followee_id, created_at, updated_at)
       select u.n, 1 + (u.n + k.d * 97) % ?, ${when}, ${when}
       from bench_numbers u join bench_digits k
       where u.n <= ? and 1 + (u.n + k.d * 97) % ? <> u.n`,
      [users, users, users],
    );
    await run(
      `insert into articles (id, author_id, slug, title, description, body, created_at, updated_at)
       select n, 1 + n % ?, concat('article-', n), concat('Article ', n), concat('What article ', n, ' is about'),
              repeat('Words of a realistic length, sentence after sentence. ', 8),
              ${when} + interval n minute, ${when} + interval n minute
       from bench_numbers where n <= ?`,
      [users, articles],
    );
    await run(
      `insert into tags (id, name, created_at, updated_at)
       select n, concat('tag', n - 1), ${when}, ${when} from bench_numbers where n <= ?`,
      [tagCount],
    );
    await run(
      // DISTINCT, not INSERT IGNORE: the tag counts' trigger fires before a duplicate would be skipped.
      `insert into article_tags (article_id, tag_id, created_at, updated_at)
       select distinct a.n, 1 + (a.n * (2 * k.d + 1)) % ?, ${when}, ${when}
       from bench_numbers a join bench_digits k on k.d < 3 where a.n <= ?`,
      [tagCount, articles],
    );
    await run(
      `insert ignore into favorites (article_id, user_id, created_at, updated_at)
       select a.n, 1 + (a.n * 31 + k.d * 17) % ?, ${when}, ${when}
       from bench_numbers a join bench_digits k on k.d < 3 where a.n <= ?`,
      [users, articles],
    );
    await run(
      `insert into comments (article_id, author_id, body, created_at, updated_at)
       select a.n, 1 + (a.n * 13 + k.d) % ?, concat('Comment ', k.d, ' on article ', a.n),
              ${when} + interval a.n minute + interval k.d second, ${when} + interval a.n minute
       from bench_numbers a join bench_digits k on k.d < 2 where a.n <= ?`,
      [users, articles],
    );
    await run('drop table bench_numbers');
    await run('drop table bench_digits');
    await run('analyze table users, follows, articles, tags, article_tags, favorites, comments');
    return viewerId;
  } finally {
    await connection.end();
  }
}

/** What every list item shows, for the viewer `me.v` (NULL: anonymous). */
const summary = `a.slug, a.title, a.description, a.created_at, a.updated_at,
  (select json_arrayagg(t.name) from article_tags x join tags t on t.id = x.tag_id
   where x.article_id = a.id) as tag_list,
  (select count(*) from favorites f where f.article_id = a.id) as favorites_count,
  exists (select 1 from favorites f where f.article_id = a.id and f.user_id = me.v) as favorited,
  u.username, u.bio, u.image,
  exists (select 1 from follows w where w.follower_id = me.v and w.followee_id = u.id) as following`;

/** The count of live articles the triggers keep (migration 0003), and of one tag's. */
const liveCount = "(select value from counters where name = 'live_articles')";
const taggedCount = (tag: string) => `(select articles_count from tags where name = '${tag}')`;
/** Counted: what matches `filter`. */
const counted = (filter: string) =>
  `(select count(*) from articles c where c.deleted_at is null ${filter.replaceAll('a.', 'c.')})`;

/** One page of articles matching `filter`, newest first, with the count of all that match, in one statement. */
const page = (filter: string, viewer: string, count = counted(filter)) => `
  select ${summary}, ${count} as articles_count
  from articles a straight_join users u on u.id = a.author_id cross join (select ${viewer} as v) me
  where a.deleted_at is null ${filter}
  order by a.id desc limit 20`;

/** Who reads with a token: seed() makes user1 the viewer. */
export const viewerId = 1;
const viewer = String(viewerId);

/** The best hand-written SQL for each read's reply, by endpoint name. */
export const floors: Record<string, string> = {
  'list articles': page('', 'null', liveCount),
  'list articles, token': page('', viewer, liveCount),
  'list by tag': page(
    "and a.id in (select x.article_id from article_tags x join tags t on t.id = x.tag_id where t.name = 'tag7')",
    'null',
    taggedCount('tag7'),
  ),
  'list by author': page("and a.author_id = (select id from users where username = 'user42')", 'null'),
  'list by favorited': page(
    "and a.id in (select f.article_id from favorites f join users fu on fu.id = f.user_id where fu.username = 'user42')",
    'null',
  ),
  feed: page(`and a.author_id in (select followee_id from follows where follower_id = ${viewer})`, viewer),
  'get article': `
    select ${summary}, a.body
    from articles a join users u on u.id = a.author_id cross join (select ${viewer} as v) me
    where a.live_slug = 'article-1000' and a.deleted_at is null`,
  comments: `
    select c.id, c.created_at, c.updated_at, c.body, u.username, u.bio, u.image,
      exists (select 1 from follows w where w.follower_id = me.v and w.followee_id = u.id) as following
    from comments c join users u on u.id = c.author_id cross join (select ${viewer} as v) me
    where c.article_id = (select id from articles where live_slug = 'article-1000' and deleted_at is null)
      and c.deleted_at is null
    order by c.created_at desc, c.id desc`,
  profile: `
    select u.username, u.bio, u.image,
      exists (select 1 from follows w where w.follower_id = me.v and w.followee_id = u.id) as following
    from users u cross join (select ${viewer} as v) me where u.username = 'user42'`,
  'tags (cache hit)': 'select name from tags where articles_count > 0 order by name',
};
