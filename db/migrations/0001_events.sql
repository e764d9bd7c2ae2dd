CREATE TABLE `events` (
	`revision` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` integer NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`node_id` text,
	`public_key` text,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `events_time_idx` ON `events` (`time`);--> statement-breakpoint
CREATE INDEX `events_node_idx` ON `events` (`node_id`,`revision`);--> statement-breakpoint
CREATE TABLE `mesh_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
