-- node_uptime_hours rebuilt WITHOUT ROWID (drizzle cannot declare it; schema.ts keeps the same
-- columns): a rowid table stores every row twice, once by rowid and once in its (node_id, hour)
-- primary-key index, and that rollup is most of what the database grows by at a million nodes.
-- Rows are copied in key order, so the new tree is written full, page after page. Only rows whose
-- node exists are copied: foreign keys are on, and an orphan (possible only if they were ever off)
-- would fail the whole migration, while no uptime figure ever reads it.
CREATE TABLE `__new_node_uptime_hours` (
	`node_id` text NOT NULL,
	`hour` integer NOT NULL,
	`minutes` integer NOT NULL,
	PRIMARY KEY(`node_id`, `hour`),
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_node_uptime_hours` (`node_id`, `hour`, `minutes`)
	SELECT `node_id`, `hour`, `minutes` FROM `node_uptime_hours`
	WHERE `node_id` IN (SELECT `id` FROM `nodes`)
	ORDER BY `node_id`, `hour`;
--> statement-breakpoint
DROP TABLE `node_uptime_hours`;
--> statement-breakpoint
ALTER TABLE `__new_node_uptime_hours` RENAME TO `node_uptime_hours`;
