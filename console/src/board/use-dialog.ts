import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Which dialog a part of the board has open, and where focus goes when it closes: to `focusSelector` inside `root`
 * when given (the card just added), else back to the control that opened it, else to `root`'s first link (the
 * control went away, e.g. its action was deleted).
 */
export function useDialog<T>(root: { current: HTMLElement | null }) {
  const [open, setOpen] = useState<T | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const pendingFocus = useRef<string | true | null>(null);

  useEffect(() => {
    if (open !== null || pendingFocus.current === null) return;
    const selector = pendingFocus.current;
    pendingFocus.current = null;
    const target =
      (selector !== true && root.current?.querySelector<HTMLElement>(selector)) ||
      (opener.current?.isConnected ? opener.current : root.current?.querySelector<HTMLElement>('a, button'));
    target?.focus();
  }, [open, root]);

  return {
    open,
    show(dialog: T) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setOpen(dialog);
    },
    close(focusSelector?: string) {
      pendingFocus.current = focusSelector ?? true;
      setOpen(null);
    },
  };
}
