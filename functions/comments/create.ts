import { comments } from '#lib/wiring/services';
import { NewComment } from '#lib/comments/schemas';
import { countEvent } from '#lib/http/metrics';
import { created } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { slugPath } from '#lib/http/schemas';

export const handler = route(
  { auth: 'required', path: slugPath, body: NewComment, idempotent: () => import('#lib/wiring/idempotency') },
  async ({ body, path, user }) => {
    const comment = await comments().create(user.id, path.slug, body.comment.body);
    countEvent('CommentsCreated');
    return created({ comment });
  },
);
