import { defineSignal } from '@temporalio/workflow';
import type { EnrollingEvent } from '../src/domain/events';

/**
 * Events for one shard of an automation workflow, in the order they happened: everything one delivery round of the
 * relay has for it, in one signal (sent with signalWithStart).
 */
export const eventsSignal = defineSignal<[EnrollingEvent[]]>('events');

/** The workflow was turned on (`on: true`) or off: an automation workflow that is off ends once its queue is empty. */
export const switchSignal = defineSignal<[{ on: boolean }]>('switch');

/** Ends one enrollment: its record left the trigger stage, or the workflow was turned off with `unenroll`. */
export const unenrollSignal = defineSignal<[{ reason: string }]>('unenroll');
