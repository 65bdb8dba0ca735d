import type { ActionType } from '../../../src/domain';

/** Line icons drawn in SVG (no icon font or emoji, which a machine may lack); decoration only, beside a text label. */
const Paths = {
  task: 'M4 4h16v16H4z M8 12l3 3 5-6',
  bell: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0',
  mail: 'M3 6h18v12H3z M3 6l9 7 9-7',
  pencil: 'M4 20l1-5L16 4l4 4L9 19z M14 6l4 4',
  stage: 'M4 12h14 M13 6l6 6-6 6',
  webhook: 'M4 8h14 M14 4l4 4-4 4 M20 16H6 M10 12l-4 4 4 4',
  clock: 'M12 3a9 9 0 1 0 0.01 0z M12 7v5l3 3',
  branch: 'M6 3v18 M6 9c0 4 12 2 12 8v4 M18 3v3',
  comment: 'M4 5h16v11H9l-5 4z',
  trash: 'M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13 M10 11v6 M14 11v6',
} as const;
export type IconName = keyof typeof Paths;

export const ActionIcons: Record<ActionType, IconName> = {
  create_task: 'task',
  send_internal_notification: 'bell',
  send_email: 'mail',
  set_property: 'pencil',
  set_stage: 'stage',
  webhook: 'webhook',
  delay: 'clock',
  branch_if: 'branch',
  branch_value: 'branch',
  branch_random: 'branch',
};

export function Icon({ name }: { name: IconName }) {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={Paths[name]} />
    </svg>
  );
}
