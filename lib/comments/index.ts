import { database } from '#db/client';
import { commentRepository } from '#db/repositories/comments';
import { articles } from '#lib/articles/index';
import { lazy } from '#lib/lazy';
import { commentService } from './service';

export const comments = lazy(() => commentService(commentRepository(database()), articles().ref));
