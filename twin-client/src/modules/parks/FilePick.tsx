/**
 * A file input with the app's own button text (the browser's "Choose File" follows the browser's
 * language, not the app's): the native input stays in the label, visually hidden, so a click on
 * the label and keyboard focus still open the picker.
 */
import type { ReactNode } from 'react';

/** Props: label text, button text, the chosen file's name (or a hint), input attributes. */
export function FilePick({ label, button, chosen, accept, field, onFile }: {
  label: ReactNode; button: string; chosen: string; accept: string; field: string; onFile: (f: File | undefined) => void;
}) {
  return (
    <label className="file-pick">
      <span>{label}</span>
      <span className="file-pick-row">
        <input className="file-pick-input" data-field={field} type="file" accept={accept} onChange={(e) => onFile(e.target.files?.[0])} />
        <span className="file-pick-button">{button}</span>
        <span className="file-pick-name">{chosen}</span>
      </span>
    </label>
  );
}
