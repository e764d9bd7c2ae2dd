CREATE TABLE `decision_signatures` (
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`target_key` text NOT NULL,
	`signer` text NOT NULL,
	`signed_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `target`, `target_key`, `signer`)
);
--> statement-breakpoint
CREATE INDEX `decision_signatures_signed_at_idx` ON `decision_signatures` (`signed_at`);--> statement-breakpoint
CREATE INDEX `decision_signatures_target_idx` ON `decision_signatures` (`target`);