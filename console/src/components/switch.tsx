/** An on/off switch that is a real button (`role="switch"`), labelled by its text. */
export function Switch({
  on,
  label,
  disabled,
  onToggle,
}: {
  on: boolean;
  label: string;
  disabled?: boolean;
  onToggle: () => void;
}) {
  return (
    <button type="button" role="switch" class="switch" aria-checked={on} disabled={disabled} onClick={onToggle}>
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span>{label}</span>
    </button>
  );
}
