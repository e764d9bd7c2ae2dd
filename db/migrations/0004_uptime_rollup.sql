CREATE TABLE `mesh_uptime_hours` (
	`hour` integer PRIMARY KEY NOT NULL,
	`minutes` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `node_uptime_hours` (
	`node_id` text NOT NULL,
	`hour` integer NOT NULL,
	`minutes` integer NOT NULL,
	PRIMARY KEY(`node_id`, `hour`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `node_uptime_hours_hour_idx` ON `node_uptime_hours` (`hour`);--> statement-breakpoint
ALTER TABLE `nodes` ADD `first_seen` integer;