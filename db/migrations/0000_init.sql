CREATE TABLE `heartbeats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_id` text NOT NULL,
	`timestamp` integer NOT NULL,
	`tailscale_ip` text,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `heartbeats_node_time_idx` ON `heartbeats` (`node_id`,`timestamp`);--> statement-breakpoint
CREATE INDEX `heartbeats_time_idx` ON `heartbeats` (`timestamp`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`tailscale_hostname` text NOT NULL,
	`tailscale_ip` text,
	`status` text NOT NULL,
	`registered_at` integer NOT NULL,
	`approved_at` integer,
	`approved_by` text,
	`last_heartbeat` integer,
	`registration_signature` text NOT NULL,
	CONSTRAINT "nodes_status_check" CHECK("nodes"."status" in ('pending', 'active', 'offline', 'denied'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_public_key_unique` ON `nodes` (`public_key`);--> statement-breakpoint
CREATE INDEX `nodes_status_idx` ON `nodes` (`status`);--> statement-breakpoint
CREATE TABLE `services` (
	`node_id` text NOT NULL,
	`service_type` text NOT NULL,
	`port` integer NOT NULL,
	`public_key` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`node_id`, `service_type`, `port`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `services_type_idx` ON `services` (`service_type`);--> statement-breakpoint
CREATE TABLE `signer_clocks` (
	`public_key` text PRIMARY KEY NOT NULL,
	`last_timestamp` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sovereign_keys` (
	`public_key` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`added_at` integer NOT NULL,
	`added_by` text
);
