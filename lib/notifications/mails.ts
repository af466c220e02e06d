/**
 * The e-mails, each as a subject, a plain-text body and an HTML body. Everything a user wrote (names, titles,
 * comments) is escaped in the HTML; links point at the client app (APP_URL), where RealWorld front ends keep
 * these paths.
 */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Person {
  username: string;
  email: string;
}

/** What an e-mail about a new comment says of it. */
export interface CommentNotice {
  commenter: string;
  body: string;
  articleTitle: string;
  articleSlug: string;
}

/** A comment is quoted up to this many characters in an e-mail; the link leads to the rest. */
export const excerptLength = 500;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const excerpt = (body: string) =>
  body.length > excerptLength ? `${body.slice(0, excerptLength).trimEnd()}…` : body;

const segment = encodeURIComponent;

/** What every e-mail is made of; compose() writes it out as text and as HTML. */
interface Parts {
  to: Person;
  subject: string;
  lines: string[];
  /** Quoted under the lines: what someone wrote. */
  quote?: string;
  link: { href: string; label: string };
  /** Whether the e-mail is one the user may turn off (it then says where). */
  optional: boolean;
}

function compose({ to, subject, lines, quote, link, optional }: Parts, appUrl: string): Mail {
  const greeting = `Hi ${to.username},`;
  const footer = optional
    ? `You get this e-mail because notifications are on for your Conduit account. Turn them off in your settings: ${appUrl}/settings`
    : undefined;
  const text = [
    greeting,
    '',
    ...lines,
    ...(quote === undefined ? [] : ['', ...quote.split('\n').map((line) => `> ${line}`), '']),
    link.href,
    ...(footer ? ['', '--', footer] : []),
  ];
  const paragraph = (line: string) => `<p>${escapeHtml(line).replace(/\n/g, '<br>')}</p>`;
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; max-width: 36em">',
    paragraph(greeting),
    ...lines.map(paragraph),
    ...(quote === undefined ? [] : [`<blockquote>${paragraph(quote)}</blockquote>`]),
    `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>`,
    ...(footer ? [`<hr><p style="color: #777; font-size: small">${escapeHtml(footer)}</p>`] : []),
    '</body></html>',
  ];
  // A title may hold line breaks: a subject is one line (SES would refuse it, or worse, read it as headers).
  const oneLine = subject.replace(/\s+/g, ' ');
  return { to: to.email, subject: oneLine, text: text.join('\n'), html: html.join('\n') };
}

export const welcome = (user: Person, appUrl: string): Mail =>
  compose(
    {
      to: user,
      subject: `Welcome to Conduit, ${user.username}`,
      lines: [
        'Welcome to Conduit! Follow authors you like to fill your feed, and write your first article when you are ready.',
      ],
      link: { href: `${appUrl}/editor`, label: 'Write an article' },
      // It confirms the account, before there was any setting to turn off.
      optional: false,
    },
    appUrl,
  );

export const newFollower = (followee: Person, follower: string, appUrl: string): Mail =>
  compose(
    {
      to: followee,
      subject: `${follower} is now following you on Conduit`,
      lines: [`${follower} is now following you.`],
      link: { href: `${appUrl}/profile/${segment(follower)}`, label: `See ${follower}'s profile` },
      optional: true,
    },
    appUrl,
  );

export const newComment = (author: Person, comment: CommentNotice, appUrl: string): Mail =>
  compose(
    {
      to: author,
      subject: `${comment.commenter} commented on "${comment.articleTitle}"`,
      lines: [`${comment.commenter} commented on your article "${comment.articleTitle}":`],
      quote: excerpt(comment.body),
      link: { href: `${appUrl}/article/${segment(comment.articleSlug)}`, label: 'Read the conversation' },
      optional: true,
    },
    appUrl,
  );
