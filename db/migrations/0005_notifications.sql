CREATE TABLE `follow_notices` (
	`follower_id` bigint unsigned NOT NULL,
	`followee_id` bigint unsigned NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `follow_notices_follower_id_followee_id_pk` PRIMARY KEY(`follower_id`,`followee_id`)
);
--> statement-breakpoint
CREATE TABLE `outbox_events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`kind` varchar(32) NOT NULL,
	`payload` varchar(1024) NOT NULL,
	`published_at` datetime(3),
	`delivering_until` datetime(3),
	`delivered_at` datetime(3),
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `outbox_events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `users` ADD `email_notifications` boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_events_unpublished_idx` ON `outbox_events` (`published_at`,`id`);