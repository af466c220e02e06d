-- Counts for article lists, kept by triggers so that every writer (this version, the one still serving during
-- a deploy, an operator's SQL) keeps them right: `counters.live_articles` and `tags.articles_count`.
-- Hand-edited after drizzle-kit generate: triggers before the backfill (a write during the migration is
-- counted once). The previous version's indexes stay until the next release (expand/contract).
-- First a trigger that does nothing, dropped at once: a migrator without TRIGGER fails here, before anything
-- has changed, so the migration can simply run again once the privilege is granted.
CREATE TRIGGER `migration_0003_can_create_triggers` BEFORE UPDATE ON `tags` FOR EACH ROW SET @unused = 1;--> statement-breakpoint
DROP TRIGGER `migration_0003_can_create_triggers`;--> statement-breakpoint
CREATE TABLE `counters` (
	`name` varchar(32) NOT NULL,
	`value` bigint NOT NULL,
	CONSTRAINT `counters_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
ALTER TABLE `tags` ADD `articles_count` int DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `articles_live_idx` ON `articles` (`deleted_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_author_live_idx` ON `articles` (`author_id`,`deleted_at`,`id`);--> statement-breakpoint
INSERT INTO `counters` (`name`, `value`) VALUES ('live_articles', 0);--> statement-breakpoint
-- Each trigger tests its condition in IF, not in the UPDATE's WHERE: an UPDATE that finds the row locks it
-- even when the rest of its WHERE is false, and an edit that leaves an article live must lock no counter.
CREATE TRIGGER `articles_counted_on_insert` AFTER INSERT ON `articles` FOR EACH ROW
BEGIN
  IF NEW.`deleted_at` IS NULL THEN
    UPDATE `counters` SET `value` = `value` + 1 WHERE `name` = 'live_articles';
  END IF;
END;--> statement-breakpoint
-- Deleting an article (setting deleted_at) or restoring one: the total first, then its tags, the same
-- order as creating one (the article, then its tags), so the two cannot deadlock on each other's rows.
CREATE TRIGGER `articles_counted_on_update` AFTER UPDATE ON `articles` FOR EACH ROW
BEGIN
  IF (NEW.`deleted_at` IS NULL) <> (OLD.`deleted_at` IS NULL) THEN
    UPDATE `counters` SET `value` = `value` + IF(NEW.`deleted_at` IS NULL, 1, -1) WHERE `name` = 'live_articles';
    UPDATE `tags` SET `articles_count` = `articles_count` + IF(NEW.`deleted_at` IS NULL, 1, -1)
    WHERE `id` IN (SELECT `tag_id` FROM `article_tags` WHERE `article_id` = NEW.`id`);
  END IF;
END;--> statement-breakpoint
CREATE TRIGGER `articles_counted_on_delete` AFTER DELETE ON `articles` FOR EACH ROW
BEGIN
  IF OLD.`deleted_at` IS NULL THEN
    UPDATE `counters` SET `value` = `value` - 1 WHERE `name` = 'live_articles';
  END IF;
END;--> statement-breakpoint
-- BEFORE, so the tag row is locked exclusively before the insert's foreign-key check locks it shared: two
-- articles tagged alike at the same moment would otherwise both hold it shared and deadlock upgrading.
-- (So INSERT IGNORE must not be used here: a skipped duplicate would still have counted.)
CREATE TRIGGER `article_tags_counted_on_insert` BEFORE INSERT ON `article_tags` FOR EACH ROW
BEGIN
  IF EXISTS (SELECT 1 FROM `articles` WHERE `id` = NEW.`article_id` AND `deleted_at` IS NULL) THEN
    UPDATE `tags` SET `articles_count` = `articles_count` + 1 WHERE `id` = NEW.`tag_id`;
  END IF;
END;--> statement-breakpoint
CREATE TRIGGER `article_tags_counted_on_delete` AFTER DELETE ON `article_tags` FOR EACH ROW
BEGIN
  IF EXISTS (SELECT 1 FROM `articles` WHERE `id` = OLD.`article_id` AND `deleted_at` IS NULL) THEN
    UPDATE `tags` SET `articles_count` = `articles_count` - 1 WHERE `id` = OLD.`tag_id`;
  END IF;
END;--> statement-breakpoint
-- The backfill reads every article with shared locks: it may wait out a write's row locks, longer than
-- the 1 s the functions' sessions wait (RDS parameter group).
SET SESSION innodb_lock_wait_timeout = 30;--> statement-breakpoint
UPDATE `counters` SET `value` = (SELECT count(*) FROM `articles` WHERE `deleted_at` IS NULL)
WHERE `name` = 'live_articles';--> statement-breakpoint
UPDATE `tags` SET `articles_count` = (
  SELECT count(*) FROM `article_tags` x JOIN `articles` a ON a.`id` = x.`article_id`
  WHERE x.`tag_id` = `tags`.`id` AND a.`deleted_at` IS NULL
);
