CREATE TABLE `idempotency_keys` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`owner_id` bigint unsigned NOT NULL,
	`route` varchar(64) NOT NULL,
	`idempotency_key` varbinary(255) NOT NULL,
	`request_hash` char(64) NOT NULL,
	`status_code` smallint unsigned,
	`response_body` mediumtext,
	`expires_at` datetime(3) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `idempotency_keys_id` PRIMARY KEY(`id`),
	CONSTRAINT `idempotency_keys_unique` UNIQUE(`owner_id`,`route`,`idempotency_key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry_idx` ON `idempotency_keys` (`expires_at`);