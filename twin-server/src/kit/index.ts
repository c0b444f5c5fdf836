/**
 * The records and workflow kit and the notification centre (see docs/records-kit.md). A module
 * whose entities are records with a lifecycle declares them with `defineEntity` and serves
 * `recordRoutes(sc, def)`; anything may raise a notification with `notify(sc, {...})`.
 */
export { defineEntity, DEFAULT_ATTACHMENTS, type EntityDef, type FieldDef, type Label, type StateDef, type TransitionDef, type StoredRecord, type GuardInput } from './records/define.ts';
export { recordRoutes, defaultAttachmentsDir, type RecordRouteOptions } from './records/routes.ts';
export { checkTransition, allowedTransitions, machineOf } from './records/workflow.ts';
export { escalateOverdue, slaJob } from './records/sla.ts';
export { notify, onNotification, notificationCenter, type NotifyInput, type NotificationPush } from './notifications/service.ts';
export { notificationsModule } from './notifications/module.ts';
export { smtpChannel, webhookChannel, type OutboundChannel } from './notifications/channels.ts';
