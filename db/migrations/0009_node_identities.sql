CREATE TABLE `node_identities` (
	`node_id` text PRIMARY KEY NOT NULL,
	`result` text NOT NULL,
	`code` text,
	`reason` text NOT NULL,
	`peer_address` text NOT NULL,
	`stable_id` text,
	`node_key` text,
	`node_name` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`user_login` text,
	`checked_at` integer NOT NULL,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `node_identities_peer_idx` ON `node_identities` (`peer_address`,`checked_at`);