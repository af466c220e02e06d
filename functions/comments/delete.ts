import { comments } from '#lib/wiring/services';
import { CommentPath } from '#lib/comments/schemas';
import { noContent } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route({ auth: 'required', path: CommentPath }, async ({ path, user }) => {
  await comments().remove(user.id, path.slug, path.id);
  return noContent();
});
