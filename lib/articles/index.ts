import { database } from '#db/client';
import { articleRepository } from '#db/repositories/articles';
import { lazy } from '#lib/lazy';
import { articleService } from './service';

export const articles = lazy(() => articleService(articleRepository(database())));
