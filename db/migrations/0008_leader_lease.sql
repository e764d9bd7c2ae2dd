CREATE TABLE `mesh_leader` (
	`id` integer PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`epoch` integer NOT NULL,
	`expires_at` integer NOT NULL
);
