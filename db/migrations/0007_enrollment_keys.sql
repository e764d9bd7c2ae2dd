CREATE TABLE `enrollment_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`max_uses` integer NOT NULL,
	`uses` integer DEFAULT 0 NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`revoked_at` integer,
	`revoked_by` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_keys_secret_hash_unique` ON `enrollment_keys` (`secret_hash`);