import { defineSignal } from '@temporalio/workflow';
import type { StageEnteredEvent, TicketEmailEvent } from '../src/domain/events';

/** A record entered the stage that the workflow's trigger names. Sent by the relay with signalWithStart. */
export const stageEnteredSignal = defineSignal<[StageEnteredEvent]>('stageEntered');

/** An email on a ticket fired the workflow's `ticket_email` trigger. Sent by the relay with signalWithStart. */
export const ticketEmailSignal = defineSignal<[TicketEmailEvent]>('ticketEmail');

/** The workflow was turned off: the automation workflow stops taking events and completes. */
export const disableSignal = defineSignal('disable');

/** Ends one enrollment: its record left the trigger stage, or the workflow was turned off with `unenroll`. */
export const unenrollSignal = defineSignal<[{ reason: string }]>('unenroll');
