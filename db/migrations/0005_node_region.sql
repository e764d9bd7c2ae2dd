ALTER TABLE `nodes` ADD `region` text;--> statement-breakpoint
ALTER TABLE `nodes` ADD `zone` text;